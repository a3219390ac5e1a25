import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteBackend } from '../../cli/remote-backend';
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
