import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sources } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// tasks.history says what changed in each event. Archive and unarchive events carry the task's row without its
// links, which is no change of links; a change of links made after one must still be told.

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

describe('tasks.history after an archive and unarchive', () => {
  it('tells of the links changed afterwards', async () => {
    await rt.database.db.insert(sources).values({ id: 'history-src', kind: 'url', url: 'https://example.com/h', title: 'H' });
    const project = await rt.caller.projects.create({ title: 'History links' });
    const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Task' });
    await rt.caller.tasks.archive({ id: task.id });
    await rt.caller.tasks.unarchive({ id: task.id });
    await rt.caller.tasks.update({ id: task.id, sourceIds: ['history-src'] });
    const { entries } = await rt.caller.tasks.history({ id: task.id });
    expect(entries.map((e) => [e.kind, e.changes.map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)])).toEqual([
      ['updated', ['sourceIds: [] → ["history-src"]']],
      ['unarchived', ['archived: true → false']],
      ['archived', ['archived: false → true']],
      ['created', []],
    ]);
  });
});
