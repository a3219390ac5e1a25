import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

describe('projects', () => {
  it('creates, reads, lists pinned first, updates and deletes', async () => {
    const a = await rt.caller.projects.create({ title: 'Zeta', githubRepo: 'octo/zeta' });
    expect(a.githubRepo).toBe('https://github.com/octo/zeta');
    const b = await rt.caller.projects.create({ title: 'alpha', pinned: true });
    const list = await rt.caller.projects.list({});
    expect(list.items.map((p) => p.title)).toEqual(['alpha', 'Zeta']);
    expect(list.total).toBe(2);

    await rt.caller.projects.update({ id: a.id, pinned: true });
    const after = await rt.caller.projects.list({});
    expect(after.items.map((p) => [p.title, p.pinned])).toEqual([
      ['Zeta', true],
      ['alpha', false],
    ]);
    await rt.caller.projects.delete({ id: b.id });
    await expect(rt.caller.projects.byId({ id: b.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
