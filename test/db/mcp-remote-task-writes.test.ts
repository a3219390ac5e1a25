import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, structured, textOf } from '../helpers/mcp';
import { remoteStdioClient, type StdioClient } from '../helpers/mcp-stdio';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// manage_task through /mcp and through `archon mcp` against a remote Archon alike: it creates and places a task in one
// write (README, MCP: "Tasks"), one version and one event, nothing written when the place is refused; and it refuses
// a change it cannot make for the same reason, in the same words.

let rt: TestRuntime;
let host: McpHost;
let remote: StdioClient;
const clients: Record<'http' | 'remote', Client> = {} as never;

beforeAll(async () => {
  rt = await createTestRuntime();
  setRuntime(rt);
  const keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
  clients.http = (await connectMcp(host.url, keys.write)).client;
  remote = await remoteStdioClient(rt, host.url, keys.write);
  clients.remote = remote.client;
});
afterAll(async () => {
  await clients.http?.close();
  await remote?.close();
  await host?.close();
  await rt?.close();
});

describe('manage_task create with a place', () => {
  it('is one write in every mode: the task at version 1 with one history entry, where it was put', async () => {
    for (const [mode, client] of Object.entries(clients)) {
      const project = await rt.caller.projects.create({ title: `Placed ${mode}` });
      const a = await rt.caller.tasks.create({ projectId: project.id, title: 'A' });
      await rt.caller.tasks.create({ projectId: project.id, title: 'B' });
      const created = structured(
        await client.callTool({ name: 'manage_task', arguments: { action: 'create', project_id: project.id, title: 'New', before_task_id: a.id } }),
      ).task;
      expect(
        (await rt.caller.tasks.list({ projectId: project.id })).items.map((t) => t.title),
        mode,
      ).toEqual(['New', 'A', 'B']);
      expect({ mode, version: created.version }).toEqual({ mode, version: 1 });
      const history = await rt.caller.tasks.history({ id: created.id });
      expect({ mode, kinds: history.entries.map((e) => e.kind) }).toEqual({ mode, kinds: ['created'] });
      const board = await rt.caller.tasks.board({ projectId: project.id });
      expect(board.tasks.find((t) => t.id === created.id)?.version, mode).toBe(1);
    }
  });

  it('refuses a bad place in the same words in every mode, and writes nothing', async () => {
    for (const [mode, client] of Object.entries(clients)) {
      const project = await rt.caller.projects.create({ title: `Refused ${mode}` });
      const doing = await rt.caller.tasks.create({ projectId: project.id, title: 'Doing', status: 'doing' });
      const result = await client.callTool({
        name: 'manage_task',
        arguments: { action: 'create', project_id: project.id, title: 'New', after_task_id: doing.id },
      });
      expect({ mode, error: result.isError, text: textOf(result) }).toEqual({
        mode,
        error: true,
        text: `Invalid arguments: after_task_id: task '${doing.id}' is in the 'doing' column, not 'todo'`,
      });
      expect((await rt.caller.tasks.list({ projectId: project.id })).total, mode).toBe(1);
    }
  });
});

describe('manage_task update of an archived task with a place', () => {
  it('is refused because the task is archived in every mode, whatever its anchor', async () => {
    const out: Record<string, string> = {};
    for (const [mode, client] of Object.entries(clients)) {
      const project = await rt.caller.projects.create({ title: `Archived ${mode}` });
      const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Shelved' });
      const doing = await rt.caller.tasks.create({ projectId: project.id, title: 'Doing', status: 'doing' });
      await rt.caller.tasks.archive({ id: task.id });
      const result = await client.callTool({
        name: 'manage_task',
        arguments: { action: 'update', task_id: task.id, status: 'todo', after_task_id: doing.id, title: 'Renamed' },
      });
      out[mode] = `${result.isError ? 'error: ' : ''}${textOf(result)}`;
      expect((await rt.caller.tasks.byId({ id: task.id })).title, mode).toBe('Shelved');
    }
    expect(out).toEqual({
      http: 'error: Archived tasks cannot be moved; unarchive it first',
      remote: 'error: Archived tasks cannot be moved; unarchive it first',
    });
  });
});
