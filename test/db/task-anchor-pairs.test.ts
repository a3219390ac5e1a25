import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// A place is next to one task: after it or before it. manage_task refuses both at once ("after_task_id and
// before_task_id: give at most one"); tasks.move, tasks.edit and tasks.create refuse them too, rather than
// following one and ignoring the other.

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

describe('afterId and beforeId together', () => {
  it('are refused by tasks.move, tasks.edit and tasks.create, and nothing moves', async () => {
    const project = await rt.caller.projects.create({ title: 'Both anchors' });
    const [a, b, c] = [
      await rt.caller.tasks.create({ projectId: project.id, title: 'A' }),
      await rt.caller.tasks.create({ projectId: project.id, title: 'B' }),
      await rt.caller.tasks.create({ projectId: project.id, title: 'C' }),
    ];
    const order = async () => (await rt.caller.tasks.list({ projectId: project.id })).items.map((t) => t.title);
    // "After A and before A" names no place at all.
    const both = { afterId: a.id, beforeId: a.id };
    const refusal = { code: 'BAD_REQUEST', message: 'afterId and beforeId: give at most one' };
    await expect(rt.caller.tasks.move({ id: c.id, status: 'todo', ...both })).rejects.toMatchObject(refusal);
    await expect(rt.caller.tasks.edit({ id: c.id, move: { status: 'todo', ...both } })).rejects.toMatchObject(refusal);
    await expect(rt.caller.tasks.create({ projectId: project.id, title: 'D', ...both })).rejects.toMatchObject(refusal);
    expect(await order()).toEqual(['A', 'B', 'C']);
    expect((await rt.caller.tasks.byId({ id: c.id })).version).toBe(c.version);
    // One of them, or both null, is a place as before.
    await rt.caller.tasks.move({ id: c.id, status: 'todo', afterId: a.id, beforeId: null });
    await rt.caller.tasks.move({ id: a.id, status: 'todo', afterId: null, beforeId: null });
    expect(await order()).toEqual(['C', 'B', 'A']);
    expect(b.title).toBe('B');
  });
});
