import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, pages, sources, taskEvents, taskSources } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

type CreateInput = Parameters<TestRuntime['caller']['tasks']['create']>[0];

const newProject = async (title = 'Board') => (await rt.caller.projects.create({ title })).id;
const mk = (projectId: string, title: string, extra: Partial<CreateInput> = {}) => rt.caller.tasks.create({ projectId, title, ...extra });
const titles = async (input: Parameters<TestRuntime['caller']['tasks']['list']>[0]) => (await rt.caller.tasks.list(input)).items.map((t) => t.title);
const column = (projectId: string, status: 'todo' | 'doing' | 'review' | 'done') => titles({ projectId, status });

async function insertSource(id: string) {
  await rt.database.db.insert(sources).values({ id, kind: 'url', url: `https://example.com/${id}`, title: id });
}

async function insertCodeExample(sourceId: string): Promise<number> {
  const [page] = await rt.database.db
    .insert(pages)
    .values({ sourceId, url: `https://example.com/${sourceId}/p`, content: 'x', contentHash: 'h', charCount: 1, wordCount: 1 })
    .returning({ id: pages.id });
  const [example] = await rt.database.db
    .insert(codeExamples)
    .values({ sourceId, pageId: page!.id, exampleIndex: 0, code: 'let x = 1', contentHash: 'h' })
    .returning({ id: codeExamples.id });
  return example!.id;
}

describe('creating tasks', () => {
  it('applies defaults and appends each new task to the end of its column', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, '  First  ');
    expect(a).toMatchObject({
      projectId,
      parentId: null,
      title: 'First',
      description: '',
      status: 'todo',
      assignee: 'User',
      priority: 'medium',
      feature: null,
      archived: false,
      version: 1,
      sourceIds: [],
      codeExampleIds: [],
    });
    const b = await mk(projectId, 'Second');
    expect(b.position).toBeGreaterThan(a.position);
    expect(await column(projectId, 'todo')).toEqual(['First', 'Second']);
  });

  it('stores every field it is given', async () => {
    const projectId = await newProject();
    const task = await mk(projectId, 'Full', {
      description: 'All the details',
      status: 'review',
      assignee: 'Claude',
      priority: 'critical',
      feature: 'auth',
    });
    const read = await rt.caller.tasks.byId({ id: task.id });
    expect(read).toMatchObject({
      title: 'Full',
      description: 'All the details',
      status: 'review',
      assignee: 'Claude',
      priority: 'critical',
      feature: 'auth',
      subtasks: [],
    });
  });

  it('links sources and code examples, ignoring duplicate ids', async () => {
    const projectId = await newProject();
    await insertSource('src-a');
    await insertSource('src-b');
    const exampleId = await insertCodeExample('src-a');
    const task = await mk(projectId, 'Linked', { sourceIds: ['src-a', 'src-b', 'src-a'], codeExampleIds: [exampleId] });
    expect([...task.sourceIds].sort()).toEqual(['src-a', 'src-b']);
    expect(task.codeExampleIds).toEqual([exampleId]);

    const updated = await rt.caller.tasks.update({ id: task.id, sourceIds: ['src-b'], codeExampleIds: [] });
    expect(updated.sourceIds).toEqual(['src-b']);
    expect(updated.codeExampleIds).toEqual([]);
    expect((await rt.caller.tasks.byId({ id: task.id })).sourceIds).toEqual(['src-b']);
  });

  it('refuses unknown source or code example ids and creates nothing', async () => {
    const projectId = await newProject();
    await insertSource('src-known');
    await expect(mk(projectId, 'Bad', { sourceIds: ['src-known', 'src-missing'] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('src-missing'),
    });
    await expect(mk(projectId, 'Bad', { codeExampleIds: [987654] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await rt.caller.tasks.list({ projectId, includeArchived: true })).total).toBe(0);
    const events = await rt.database.db.select().from(taskEvents).where(eq(taskEvents.projectId, projectId));
    expect(events).toEqual([]);
  });

  it('rejects an unknown project or parent with NOT_FOUND', async () => {
    const projectId = await newProject();
    await expect(mk(randomUUID(), 'Orphan')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(mk(projectId, 'Orphan', { parentId: randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('subtasks', () => {
  it('nests one level deep and are listed under their parent', async () => {
    const projectId = await newProject();
    const parent = await mk(projectId, 'Parent');
    const s1 = await mk(projectId, 'Sub 1', { parentId: parent.id });
    await mk(projectId, 'Sub 2', { parentId: parent.id, status: 'done' });
    expect(s1.parentId).toBe(parent.id);
    await expect(mk(projectId, 'Grandchild', { parentId: s1.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const read = await rt.caller.tasks.byId({ id: parent.id });
    expect(read.subtasks.map((s) => s.title)).toEqual(['Sub 1', 'Sub 2']);
    expect(await titles({ projectId, parentId: parent.id })).toEqual(['Sub 1', 'Sub 2']);
  });

  it('reports the number of non-archived subtasks of each listed task', async () => {
    const projectId = await newProject();
    const parent = await mk(projectId, 'Parent');
    await mk(projectId, 'Lonely');
    await mk(projectId, 'Sub 1', { parentId: parent.id });
    await mk(projectId, 'Sub 2', { parentId: parent.id });
    const archived = await mk(projectId, 'Sub 3', { parentId: parent.id });
    await rt.caller.tasks.archive({ id: archived.id });
    const { items } = await rt.caller.tasks.list({ projectId, parentId: null });
    expect(items.map((t) => [t.title, t.subtaskCount])).toEqual([
      ['Parent', 2],
      ['Lonely', 0],
    ]);
  });

  it('refuses a parent from another project and creates nothing', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const parent = await mk(p1, 'Parent in p1');
    await expect(mk(p2, 'Stray', { parentId: parent.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await rt.caller.tasks.list({ projectId: p2 })).total).toBe(0);
  });
});

describe('updating tasks', () => {
  it('bumps the version and refuses a stale expectedVersion without changing anything', async () => {
    const projectId = await newProject();
    const task = await mk(projectId, 'Original', { priority: 'low' });
    const v2 = await rt.caller.tasks.update({ id: task.id, expectedVersion: 1, title: 'Renamed', feature: 'ui' });
    expect(v2).toMatchObject({ title: 'Renamed', feature: 'ui', priority: 'low', version: 2 });

    await expect(rt.caller.tasks.update({ id: task.id, expectedVersion: 1, title: 'Lost update', sourceIds: [] })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const after = await rt.caller.tasks.byId({ id: task.id });
    expect(after).toMatchObject({ title: 'Renamed', version: 2 });

    const cleared = await rt.caller.tasks.update({ id: task.id, feature: null });
    expect(cleared).toMatchObject({ feature: null, version: 3 });
  });

  it('rolls back the whole update when a link is unknown', async () => {
    const projectId = await newProject();
    const task = await mk(projectId, 'Keep me');
    await expect(rt.caller.tasks.update({ id: task.id, title: 'Changed', sourceIds: ['does-not-exist'] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await rt.caller.tasks.byId({ id: task.id })).toMatchObject({ title: 'Keep me', version: 1 });
  });

  it('moves a task to the end of its new column when the status changes', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, 'A');
    await mk(projectId, 'D1', { status: 'doing' });
    await mk(projectId, 'D2', { status: 'doing' });
    await mk(projectId, 'B');
    const moved = await rt.caller.tasks.update({ id: a.id, status: 'doing' });
    expect(moved.status).toBe('doing');
    expect(await column(projectId, 'doing')).toEqual(['D1', 'D2', 'A']);
    expect(await column(projectId, 'todo')).toEqual(['B']);

    const same = await rt.caller.tasks.update({ id: a.id, status: 'doing', title: 'A2' });
    expect(same.position).toBe(moved.position);
  });
});

describe('archiving', () => {
  it('hides a task and its subtasks from lists by default, and refuses archiving twice', async () => {
    const projectId = await newProject();
    const parent = await mk(projectId, 'Parent');
    const sub = await mk(projectId, 'Sub', { parentId: parent.id });
    await mk(projectId, 'Other');

    const res = await rt.caller.tasks.archive({ id: parent.id, archivedBy: 'Claude' });
    expect([...res.archived].sort()).toEqual([parent.id, sub.id].sort());
    expect(await titles({ projectId })).toEqual(['Other']);
    expect(await titles({ projectId, includeArchived: true })).toEqual(['Parent', 'Sub', 'Other']);
    expect(await rt.caller.tasks.byId({ id: sub.id })).toMatchObject({ archived: true, archivedBy: 'Claude', version: 2 });

    await expect(rt.caller.tasks.archive({ id: parent.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(mk(projectId, 'Late sub', { parentId: parent.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(rt.caller.tasks.move({ id: parent.id, status: 'doing' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('unarchives the subtasks archived together with the parent, but not those archived before', async () => {
    const projectId = await newProject();
    const parent = await mk(projectId, 'Parent');
    const together = await mk(projectId, 'Together', { parentId: parent.id });
    const earlier = await mk(projectId, 'Earlier', { parentId: parent.id });
    await rt.caller.tasks.archive({ id: earlier.id });
    await new Promise((r) => setTimeout(r, 5));
    await rt.caller.tasks.archive({ id: parent.id });

    await expect(rt.caller.tasks.unarchive({ id: together.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    const res = await rt.caller.tasks.unarchive({ id: parent.id });
    expect([...res.unarchived].sort()).toEqual([parent.id, together.id].sort());
    expect(await titles({ projectId })).toEqual(['Parent', 'Together']);
    expect(await rt.caller.tasks.byId({ id: together.id })).toMatchObject({ archived: false, archivedAt: null, archivedBy: null });

    await expect(rt.caller.tasks.unarchive({ id: parent.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await rt.caller.tasks.unarchive({ id: earlier.id })).unarchived).toEqual([earlier.id]);
  });
});

describe('deleting', () => {
  it('removes the task, its subtasks and their links', async () => {
    const projectId = await newProject();
    await insertSource('src-del');
    const parent = await mk(projectId, 'Parent', { sourceIds: ['src-del'] });
    const sub = await mk(projectId, 'Sub', { parentId: parent.id });
    const keep = await mk(projectId, 'Keep');
    const res = await rt.caller.tasks.delete({ id: parent.id });
    expect([...res.deleted].sort()).toEqual([parent.id, sub.id].sort());
    await expect(rt.caller.tasks.byId({ id: sub.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await titles({ projectId, includeArchived: true })).toEqual(['Keep']);
    expect(await rt.database.db.select().from(taskSources).where(eq(taskSources.taskId, parent.id))).toEqual([]);
    await expect(rt.caller.tasks.delete({ id: parent.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await rt.caller.tasks.byId({ id: keep.id })).title).toBe('Keep');
  });
});

describe('listing', () => {
  it('filters by project, status, assignee, feature and parent', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const parent = await mk(p1, 'T1', { assignee: 'Claude', feature: 'auth' });
    await mk(p1, 'T2', { status: 'doing', assignee: 'Claude' });
    await mk(p1, 'T3', { status: 'review', feature: 'auth' });
    await mk(p1, 'T4', { status: 'done' });
    await mk(p1, 'S1', { parentId: parent.id, feature: 'auth' });
    await mk(p2, 'Elsewhere', { assignee: 'Claude' });

    expect(await titles({ projectId: p1 })).toEqual(['T1', 'S1', 'T2', 'T3', 'T4']);
    expect(await titles({ projectId: p1, status: 'doing' })).toEqual(['T2']);
    expect(await titles({ projectId: p1, status: ['done', 'todo'] })).toEqual(['T1', 'S1', 'T4']);
    expect(await titles({ projectId: p1, assignee: 'Claude' })).toEqual(['T1', 'T2']);
    expect(await titles({ projectId: p1, feature: 'auth' })).toEqual(['T1', 'S1', 'T3']);
    expect(await titles({ projectId: p1, parentId: null })).toEqual(['T1', 'T2', 'T3', 'T4']);
    expect(await titles({ projectId: p1, parentId: parent.id })).toEqual(['S1']);
    expect(await titles({ projectId: p2 })).toEqual(['Elsewhere']);
    const everywhere = (await rt.caller.tasks.list({ assignee: 'Claude' })).items;
    expect(everywhere.map((t) => t.title)).toEqual(expect.arrayContaining(['Elsewhere', 'T1', 'T2']));
    expect(everywhere.every((t) => t.assignee === 'Claude')).toBe(true);
  });

  it('matches query text in title or description case-insensitively, with LIKE wildcards taken literally', async () => {
    const projectId = await newProject();
    await mk(projectId, '100% done');
    await mk(projectId, '1000 done');
    await mk(projectId, 'snake_case');
    await mk(projectId, 'snakeXcase');
    await mk(projectId, 'Plain', { description: 'Mentions the Widget here' });
    await mk(projectId, 'C:\\temp');
    await mk(projectId, 'Ctemp');

    expect(await titles({ projectId, query: '%' })).toEqual(['100% done']);
    expect(await titles({ projectId, query: '0% d' })).toEqual(['100% done']);
    expect(await titles({ projectId, query: 'e_c' })).toEqual(['snake_case']);
    expect(await titles({ projectId, query: '_' })).toEqual(['snake_case']);
    expect(await titles({ projectId, query: 'widget' })).toEqual(['Plain']);
    expect(await titles({ projectId, query: 'C:\\t' })).toEqual(['C:\\temp']);
    expect(await titles({ projectId, query: 'DONE' })).toEqual(['100% done', '1000 done']);
    expect(await titles({ projectId, query: 'nothing like this' })).toEqual([]);
  });

  it('lists tasks across projects most recently updated first', async () => {
    const older = await mk(await newProject(), 'Older', { assignee: 'Recency' });
    await mk(await newProject(), 'Newer', { assignee: 'Recency' });
    expect(await titles({ assignee: 'Recency' })).toEqual(['Newer', 'Older']);
    await new Promise((r) => setTimeout(r, 5));
    await rt.caller.tasks.update({ id: older.id, description: 'touched' });
    expect(await titles({ assignee: 'Recency' })).toEqual(['Older', 'Newer']);
  });

  it('paginates with limit and offset and reports the total', async () => {
    const projectId = await newProject();
    for (let i = 0; i < 7; i++) await mk(projectId, `Task ${i}`);
    const page1 = await rt.caller.tasks.list({ projectId, limit: 3 });
    const page3 = await rt.caller.tasks.list({ projectId, limit: 3, offset: 6 });
    expect(page1).toMatchObject({ total: 7, limit: 3, offset: 0 });
    expect(page1.items.map((t) => t.title)).toEqual(['Task 0', 'Task 1', 'Task 2']);
    expect(page3.items.map((t) => t.title)).toEqual(['Task 6']);
    expect((await rt.caller.tasks.list({ projectId, limit: 3, offset: 10 })).items).toEqual([]);
    const filtered = await rt.caller.tasks.list({ projectId, query: 'Task 1', limit: 1 });
    expect(filtered.total).toBe(1);
  });
});

describe('counts', () => {
  it('counts non-archived tasks per project and status', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const empty = await newProject();
    await mk(p1, 'a');
    await mk(p1, 'b');
    await mk(p1, 'c', { status: 'done' });
    const gone = await mk(p1, 'd', { status: 'doing' });
    await rt.caller.tasks.archive({ id: gone.id });
    await mk(p2, 'x', { status: 'review' });

    expect(await rt.caller.tasks.counts({ projectId: p1 })).toEqual({ [p1]: { todo: 2, doing: 0, review: 0, done: 1 } });
    expect(await rt.caller.tasks.counts({ projectId: empty })).toEqual({ [empty]: { todo: 0, doing: 0, review: 0, done: 0 } });
    const all = await rt.caller.tasks.counts();
    expect(all[p1]).toEqual({ todo: 2, doing: 0, review: 0, done: 1 });
    expect(all[p2]).toEqual({ todo: 0, doing: 0, review: 1, done: 0 });
    expect(all[empty]).toBeUndefined();
  });

  it('rejects an unknown project with NOT_FOUND', async () => {
    await expect(rt.caller.tasks.counts({ projectId: randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('unknown ids', () => {
  it('answers NOT_FOUND from every procedure', async () => {
    const id = randomUUID();
    const calls = [
      rt.caller.tasks.byId({ id }),
      rt.caller.tasks.update({ id, title: 'x' }),
      rt.caller.tasks.move({ id, status: 'doing' }),
      rt.caller.tasks.archive({ id }),
      rt.caller.tasks.unarchive({ id }),
      rt.caller.tasks.delete({ id }),
      rt.caller.tasks.list({ projectId: id }),
    ];
    const results = await Promise.allSettled(calls);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_FOUND' });
    }
  });
});
