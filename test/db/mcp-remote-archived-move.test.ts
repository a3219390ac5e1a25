import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRemote } from '../../cli/mcp';
import type { RemoteBackend } from '../../cli/remote-backend';
import { buildMcpServer } from '../../server/mcp/server';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, textOf } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// manage_task refuses a change it cannot make for the same reason, in the same words, through /mcp and through
// `archon mcp` against a remote Archon.

let rt: TestRuntime;
let host: McpHost;
let remote: RemoteBackend;
const clients: Record<'http' | 'remote', Client> = {} as never;

beforeAll(async () => {
  rt = await createTestRuntime();
  setRuntime(rt);
  const keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
  clients.http = (await connectMcp(host.url, keys.write)).client;
  const connected = await connectRemote(host.url, keys.write);
  remote = connected.backend;
  const server = buildMcpServer({
    version: 'test',
    principal: { kind: 'api-key', role: connected.me.role as 'member', capabilities: connected.me.capabilities as 'write'[] },
    backendFor: () => remote,
    logger: rt.logger,
    session: { transport: 'stdio', mode: 'remote', idleTimeoutSeconds: null },
    startedAt: new Date(),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  clients.remote = new Client({ name: 'remote-edit', version: '1' });
  await clients.remote.connect(clientSide);
});
afterAll(async () => {
  for (const client of Object.values(clients)) await client?.close();
  await remote?.close();
  await host?.close();
  await rt?.close();
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
