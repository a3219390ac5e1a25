import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, pages, sources } from '../../db/schema';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, structured, textOf } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// A task read on its own (tasks.byId, find_tasks with task_id) shows its subtasks as the lists do: archived ones
// hidden, each with its own links; and its history tells of a subtask deleted on its own.

let rt: TestRuntime;
let host: McpHost;
let keys: Awaited<ReturnType<typeof createKeys>>;
beforeAll(async () => {
  rt = await createTestRuntime();
  setRuntime(rt);
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
});

describe('a task read with its subtasks', () => {
  it('leaves out a subtask archived by manage_task delete, as find_tasks promises ("find_tasks no longer lists them")', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Subtasks' });
    const parent = await rt.caller.tasks.create({ projectId: project.id, title: 'Parent' });
    const kept = await rt.caller.tasks.create({ projectId: project.id, title: 'Kept', parentId: parent.id });
    const gone = await rt.caller.tasks.create({ projectId: project.id, title: 'Gone', parentId: parent.id });
    const archived = await client.callTool({ name: 'manage_task', arguments: { action: 'delete', task_id: gone.id } });
    expect(textOf(archived)).toMatch(/find_tasks no longer lists them/);

    const listed = await rt.caller.tasks.list({ projectId: project.id, parentId: parent.id });
    expect(listed.items.map((t) => t.title)).toEqual(['Kept']);
    const read = structured(await client.callTool({ name: 'find_tasks', arguments: { task_id: parent.id } }));
    expect(read.task.subtasks.map((s: { id: string }) => s.id)).toEqual([kept.id]);
    expect((await rt.caller.tasks.byId({ id: parent.id })).subtasks.map((s) => s.id)).toEqual([kept.id]);
    // An archived task read by its id still shows the subtasks archived with it.
    await rt.caller.tasks.archive({ id: parent.id });
    expect((await rt.caller.tasks.byId({ id: parent.id })).subtasks.map((s) => s.title).sort()).toEqual(['Gone', 'Kept']);
    await client.close();
  });

  it('gives each subtask its own links rather than none', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    const db = rt.database.db;
    await db.insert(sources).values({ id: 'subtask-src', kind: 'url', url: 'https://example.com/s', title: 'S' });
    const [page] = await db
      .insert(pages)
      .values({ sourceId: 'subtask-src', url: 'https://example.com/s/p', content: 'x', contentHash: 'h', charCount: 1, wordCount: 1 })
      .returning({ id: pages.id });
    const [example] = await db
      .insert(codeExamples)
      .values({ sourceId: 'subtask-src', pageId: page!.id, exampleIndex: 0, code: 'let x = 1', contentHash: 'h' })
      .returning({ id: codeExamples.id });
    const project = await rt.caller.projects.create({ title: 'Linked subtasks' });
    const parent = await rt.caller.tasks.create({ projectId: project.id, title: 'Parent' });
    await rt.caller.tasks.create({
      projectId: project.id,
      title: 'Sub',
      parentId: parent.id,
      sourceIds: ['subtask-src'],
      codeExampleIds: [example!.id],
    });
    const read = structured(await client.callTool({ name: 'find_tasks', arguments: { task_id: parent.id } }));
    expect(read.task.subtasks[0]).toMatchObject({ title: 'Sub', sourceIds: ['subtask-src'], codeExampleIds: [example!.id] });
    await client.close();
  });
});

describe('tasks.history', () => {
  it('tells of a subtask deleted on its own, as it tells of one added', async () => {
    const project = await rt.caller.projects.create({ title: 'History' });
    const parent = await rt.caller.tasks.create({ projectId: project.id, title: 'Parent' });
    const sub = await rt.caller.tasks.create({ projectId: project.id, title: 'Sub', parentId: parent.id });
    await rt.caller.tasks.delete({ id: sub.id });
    const { entries } = await rt.caller.tasks.history({ id: parent.id });
    expect(entries.map((e) => [e.kind, e.subtask?.title ?? null])).toEqual([
      ['deleted', 'Sub'],
      ['created', 'Sub'],
      ['created', null],
    ]);
  });
});
