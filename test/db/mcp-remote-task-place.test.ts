import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRemote } from '../../cli/mcp';
import type { RemoteBackend } from '../../cli/remote-backend';
import { buildMcpServer } from '../../server/mcp/server';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, structured, textOf } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// manage_task creates and places a task in one write (README, MCP: "Tasks"), through /mcp and through
// `archon mcp` against a remote Archon alike: one version, one event, and nothing written when the place is refused.

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
  clients.remote = new Client({ name: 'remote-place', version: '1' });
  await clients.remote.connect(clientSide);
});
afterAll(async () => {
  for (const client of Object.values(clients)) await client?.close();
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
