import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteBackend } from '../../cli/remote-backend';
import { codeExamples, pages, sources } from '../../db/schema';
import { setRuntime } from '../../server/runtime/global';
import { testDbKind } from '../helpers/db';
import { holdTransactionsAt } from '../helpers/hold-transactions';
import { connectMcp, createKeys, type McpHost, startMcpHost, structured, textOf, trpcOver } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

// Projects, tasks and documents reached over each transport (tRPC over HTTP, the MCP tools over HTTP) agree,
// refuse bad input by field rather than failing, and lose nothing when writes race.

let rt: TestRuntime;
let host: McpHost;
let keys: Awaited<ReturnType<typeof createKeys>>;
beforeAll(async () => {
  rt = await createTestRuntime({ poolMax: 6 });
  // tRPC over HTTP builds its context from the process's runtime.
  setRuntime(rt);
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
});

/** A tRPC call over HTTP with a superjson body as @trpc/client would send it, for values a JSON body cannot carry. */
async function postTrpc(path: string, input: unknown) {
  const res = await fetch(`${host.url}/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.write}` },
    body: JSON.stringify(superjson.serialize(input)),
  });
  const body = (await res.json()) as { error?: { json: { message: string; data: { code: string } } } };
  return { status: res.status, error: body.error?.json };
}

describe('features and data lists', () => {
  it('refuse values JSON cannot carry by field, rather than failing or storing something else', async () => {
    const project = await rt.caller.projects.create({ title: 'Lists' });
    const cases: [string, unknown][] = [
      ['a bigint', 10n],
      ['a Map', new Map([['a', 1]])],
      ['a Set', new Set([1])],
      ['a Date', new Date(0)],
      ['NaN', Number.NaN],
      ['undefined in a list', [undefined]],
      ['a nested bigint', { count: 10n }],
    ];
    for (const [what, value] of cases) {
      const created = await postTrpc('projects.create', { title: `With ${what}`, features: [value] });
      expect({ what, status: created.status, code: created.error?.data.code }).toEqual({ what, status: 400, code: 'BAD_REQUEST' });
      expect(created.error?.message).toMatch(/^Invalid input: features\.0: must be JSON/);
      const saved = await postTrpc('versions.saveField', { projectId: project.id, fieldName: 'data', content: [value] });
      expect({ what, status: saved.status }).toEqual({ what, status: 400 });
    }
    // What JSON carries is still taken as it is, an object member left undefined included (JSON leaves it out).
    const ok = await postTrpc('projects.create', { title: 'Plain', features: [{ a: [1, 'two', null, true, { b: undefined }] }] });
    expect(ok.status).toBe(200);
    expect((await rt.caller.versions.field({ projectId: project.id, fieldName: 'data' })).content).toEqual([]);
  });

  // A lone surrogate passed the schema, and PostgreSQL refused the JSON naming no field (text columns take it as U+FFFD).
  it('refuse an entry with a lone UTF-16 surrogate by the field it is in, over tRPC and MCP', async () => {
    const trpc = trpcOver(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Surrogates' });
    await expect(trpc.projects.create.mutate({ title: 'P', features: ['broken \uD800'] })).rejects.toThrow(/features\.0/);
    await expect(trpc.versions.saveField.mutate({ projectId: project.id, fieldName: 'data', content: [{ 'key \uDC00': 1 }] })).rejects.toThrow(
      /content\.0/,
    );
    const { client } = await connectMcp(host.url, keys.write);
    const result = await client.callTool({ name: 'manage_project', arguments: { action: 'update', project_id: project.id, features: ['\uD800'] } });
    expect(textOf(result)).toMatch(/^Invalid arguments: features\.0: /);
    await client.close();
  });
});

describe('manage_task update', () => {
  it('leaves a task where it is when the status it is given is the one it has, as tasks.update does', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const call = (args: Record<string, unknown>) => client.callTool({ name: 'manage_task', arguments: args });
    const project = await rt.caller.projects.create({ title: 'Same column' });
    const a = await rt.caller.tasks.create({ projectId: project.id, title: 'A' });
    const b = await rt.caller.tasks.create({ projectId: project.id, title: 'B' });
    const c = await rt.caller.tasks.create({ projectId: project.id, title: 'C' });
    const order = async () => (await rt.caller.tasks.list({ projectId: project.id })).items.map((t) => t.title);

    await trpcOver(host.url, keys.write).tasks.update.mutate({ id: b.id, status: 'todo', title: 'B2' });
    expect(await order()).toEqual(['A', 'B2', 'C']);
    const updated = structured(await call({ action: 'update', task_id: a.id, status: 'todo', title: 'A2' })).task;
    expect(updated).toMatchObject({ title: 'A2', status: 'todo', version: a.version + 1 });
    expect(await order()).toEqual(['A2', 'B2', 'C']);
    // A status alone that changes nothing is still an update the caller asked for, not a move to the end.
    structured(await call({ action: 'update', task_id: a.id, status: 'todo' }));
    expect(await order()).toEqual(['A2', 'B2', 'C']);
    // A real change of column, or a place, still moves it.
    structured(await call({ action: 'update', task_id: a.id, status: 'doing' }));
    structured(await call({ action: 'update', task_id: a.id, status: 'todo', after_task_id: c.id }));
    expect(await order()).toEqual(['B2', 'C', 'A2']);
    await client.close();
  });

  // Two sessions at once: PGlite has one connection, so there the move simply runs before or after the tool.
  it.runIf(testDbKind() === 'postgres')('does not move a task back to the column it was read in when it was moved meanwhile', async () => {
    const db = rt.database.db;
    const { client } = await connectMcp(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Race' });
    const anchor = await rt.caller.tasks.create({ projectId: project.id, title: 'Anchor' });
    const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Dragged' });
    // The board's move is held just before it commits (at its event), holding the project's lock.
    const hold = await holdTransactionsAt(db, 0x7a5c, 'task_events', 'insert');
    let move: Promise<unknown> | undefined;
    try {
      move = rt.caller.tasks.move({ id: task.id, status: 'doing' });
      await waitFor(async () => (await hold.waiting(true)) === 1, 10_000, 'the move to hold the project');
      // No status: the tool places the task in the column it is in.
      const placed = client.callTool({ name: 'manage_task', arguments: { action: 'update', task_id: task.id, after_task_id: anchor.id } });
      await waitFor(async () => (await hold.waiting(false)) === 1, 10_000, 'the tool to wait for the project');
      await hold.release();
      await move;
      const result = await placed;
      // The task is in 'doing' now, where the anchor is not: the tool says so rather than undoing the move.
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^Task '.*' was changed by someone else: it is at version 2, your change was based on version 1$/);
      expect(await rt.caller.tasks.byId({ id: task.id })).toMatchObject({ status: 'doing', version: task.version + 1 });
    } finally {
      await hold.close(move);
      await client.close();
    }
  });
});

describe('an archived task', () => {
  it('keeps its column over every transport: a move or a new status is refused until it is unarchived; its other fields still change', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const trpc = trpcOver(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Archived' });
    const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Shelved', status: 'doing' });
    await rt.caller.tasks.archive({ id: task.id, archivedBy: 'User' });
    const refusal = /^Archived tasks cannot be moved; unarchive it first$/;
    await expect(trpc.tasks.update.mutate({ id: task.id, status: 'done' })).rejects.toThrow(refusal);
    await expect(trpc.tasks.update.mutate({ id: task.id, status: 'done', title: 'Both' })).rejects.toThrow(refusal);
    await expect(trpc.tasks.move.mutate({ id: task.id, status: 'done' })).rejects.toThrow(refusal);
    await expect(trpc.tasks.edit.mutate({ id: task.id, move: { status: 'done' } })).rejects.toThrow(refusal);
    const tool = await client.callTool({ name: 'manage_task', arguments: { action: 'update', task_id: task.id, status: 'done' } });
    expect(tool.isError).toBe(true);
    expect(textOf(tool)).toMatch(/Archived tasks cannot be moved; unarchive it first/);
    // Nothing of a refused call was written; its own status, and other fields, are taken.
    expect(await rt.caller.tasks.byId({ id: task.id })).toMatchObject({
      title: 'Shelved',
      status: 'doing',
      archived: true,
      version: task.version + 1,
    });
    expect(await trpc.tasks.update.mutate({ id: task.id, status: 'doing', title: 'Renamed' })).toMatchObject({ title: 'Renamed', status: 'doing' });
    await client.close();
  });
});

describe('the MCP tools through a remote Archon (archon mcp with ARCHON_URL)', () => {
  it('edit a task in one write, as the local tools do: in place in its own column, and nothing written when the move is refused', async () => {
    const backend = createRemoteBackend({ url: host.url, apiKey: keys.write });
    try {
      const project = await rt.caller.projects.create({ title: 'Remote edits' });
      const a = await rt.caller.tasks.create({ projectId: project.id, title: 'A' });
      await rt.caller.tasks.create({ projectId: project.id, title: 'B' });
      const order = async () => (await rt.caller.tasks.list({ projectId: project.id })).items.map((t) => t.title);

      const edited = await backend.editTask({ id: a.id, changes: { title: 'A2' }, move: { status: 'todo' } });
      expect(edited).toMatchObject({ title: 'A2', status: 'todo', version: a.version + 1 });
      expect(await order()).toEqual(['A2', 'B']);

      await rt.caller.tasks.archive({ id: a.id });
      const refused = await backend.editTask({ id: a.id, changes: { title: 'A3' }, move: { status: 'doing' } }).catch((err: unknown) => err);
      expect((refused as Error).message).toMatch(/Archived tasks cannot be moved/);
      expect((await rt.caller.tasks.byId({ id: a.id })).title).toBe('A2');
    } finally {
      await backend.close();
    }
  });
});

describe('find_versions', () => {
  it('refuses a document of another project when listing its versions, as when reading one, find_documents and manage_version do', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    const mine = await rt.caller.projects.create({ title: 'Mine' });
    const other = await rt.caller.projects.create({ title: 'Other' });
    const doc = await rt.caller.documents.create({ projectId: other.id, title: 'Elsewhere', content: 'x' });
    const read = await client.callTool({ name: 'find_documents', arguments: { project_id: mine.id, document_id: doc.id } });
    expect(textOf(read)).toBe(`Invalid arguments: document_id: document ${doc.id} belongs to another project`);
    const one = await client.callTool({ name: 'find_versions', arguments: { project_id: mine.id, document_id: doc.id, version_number: 1 } });
    expect(one.isError).toBe(true);
    const list = await client.callTool({ name: 'find_versions', arguments: { project_id: mine.id, document_id: doc.id } });
    expect(list.isError).toBe(true);
    expect(textOf(list)).toBe(`Invalid arguments: document_id: document ${doc.id} belongs to another project`);
    expect(structured(await client.callTool({ name: 'find_versions', arguments: { project_id: other.id, document_id: doc.id } })).total).toBe(1);
    await client.close();
  });
});

// Bad input to the task tools and procedures is refused by the parameter it came in, in the caller's own words.
describe('find_tasks', () => {
  it('names filter_value, its own parameter, when an assignee to filter by is not one line', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    const result = await client.callTool({ name: 'find_tasks', arguments: { filter_by: 'assignee', filter_value: 'Coding\nAgent' } });
    expect(result.isError).toBe(true);
    // find_tasks has no parameter named assignee.
    expect(textOf(result)).toBe('Invalid arguments: filter_value: must be a single line');
    await client.close();
  });
});

describe('a subtask whose parent cannot be one', () => {
  it('is refused by parent_task_id over MCP, and by parentId over tRPC', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const trpc = trpcOver(host.url, keys.write);
    const mine = await rt.caller.projects.create({ title: 'Mine' });
    const other = await rt.caller.projects.create({ title: 'Other' });
    const elsewhere = await rt.caller.tasks.create({ projectId: other.id, title: 'Elsewhere' });
    const parent = await rt.caller.tasks.create({ projectId: mine.id, title: 'Parent' });
    const sub = await rt.caller.tasks.create({ projectId: mine.id, title: 'Sub', parentId: parent.id });

    const stray = await client.callTool({
      name: 'manage_task',
      arguments: { action: 'create', project_id: mine.id, title: 'Stray', parent_task_id: elsewhere.id },
    });
    expect(textOf(stray)).toMatch(/^Invalid arguments: parent_task_id: /);
    const deep = await client.callTool({
      name: 'manage_task',
      arguments: { action: 'create', project_id: mine.id, title: 'Deep', parent_task_id: sub.id },
    });
    expect(textOf(deep)).toMatch(/^Invalid arguments: parent_task_id: /);
    await expect(trpc.tasks.create.mutate({ projectId: mine.id, title: 'Stray', parentId: elsewhere.id })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', field: 'parentId' },
    });
    expect((await rt.caller.tasks.list({ projectId: mine.id })).total).toBe(2);
    await client.close();
  });
});

// A task read on its own (tasks.byId, find_tasks with task_id) shows its subtasks as the lists do: archived ones
// hidden, each with its own links; and its history tells of a subtask deleted on its own.
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

// find_versions reads a long document version 20,000 characters at a time, and its notice says "Read on with
// offset N", as find_documents does: the offset it names must be one the tool takes, or the rest of an
// earlier version cannot be read at all.
describe('find_versions with version_number', () => {
  it('reads the rest of a long version from the offset its notice gives', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Long versions' });
    const long = `${'x'.repeat(20_000)}the end`;
    const doc = await rt.caller.documents.create({ projectId: project.id, title: 'Long', content: long });
    await rt.caller.documents.update({ id: doc.id, content: 'short now' });
    const args = { project_id: project.id, document_id: doc.id, version_number: 1 };
    const first = structured(await client.callTool({ name: 'find_versions', arguments: args })).version;
    expect(first.notice).toBe('This has 20007 characters; this is 0–20000. Read on with offset 20000.');
    const rest = structured(await client.callTool({ name: 'find_versions', arguments: { ...args, offset: 20_000 } })).version;
    expect(rest.content).toBe('the end');
    expect(rest.notice).toBeNull();
    await client.close();
  });
});

// Versions belong to a document or to a project's features or data list, never both: versions.* refuse a
// target naming both, and so do find_versions and manage_version, rather than picking the document.
describe('a version target naming a document and a field', () => {
  it('is refused over tRPC and by the MCP tools alike, and restores nothing', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const trpc = trpcOver(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Both targets', features: ['one'] });
    await rt.caller.projects.update({ id: project.id, features: ['one', 'two'] });
    const doc = await rt.caller.documents.create({ projectId: project.id, title: 'Doc', content: 'first' });
    await rt.caller.documents.update({ id: doc.id, content: 'second' });

    await expect(trpc.versions.list.query({ documentId: doc.id, projectId: project.id, fieldName: 'features' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    await expect(
      trpc.versions.restore.mutate({ documentId: doc.id, projectId: project.id, fieldName: 'features', versionNumber: 1 }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });

    const listed = await client.callTool({
      name: 'find_versions',
      arguments: { project_id: project.id, document_id: doc.id, field_name: 'features' },
    });
    expect(listed.isError).toBe(true);
    expect(textOf(listed)).toMatch(/^Invalid arguments: document_id/);
    const restored = await client.callTool({
      name: 'manage_version',
      arguments: { action: 'restore', project_id: project.id, document_id: doc.id, field_name: 'features', version_number: 1 },
    });
    expect(restored.isError).toBe(true);
    expect(textOf(restored)).toMatch(/^Invalid arguments: document_id/);
    // Neither the document nor the features were restored.
    expect((await rt.caller.documents.byId({ id: doc.id })).content).toBe('second');
    expect((await rt.caller.projects.byId({ id: project.id })).features).toEqual(['one', 'two']);
    await client.close();
  });
});
