import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalServer, connectRemote } from '../../cli/mcp';
import type { RemoteBackend } from '../../cli/remote-backend';
import { dispatch } from '../../inngest/dispatch';
import { buildMcpServer } from '../../server/mcp/server';
import { createKeys, textOf } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { startTrpcHost } from '../helpers/trpc-host';

// `archon mcp` against a remote Archon (tRPC over HTTP) next to `archon mcp` on the local database, as the same key:
// the same tool call must be allowed, refused and answered alike.

let rt: TestRuntime;
let keys: Awaited<ReturnType<typeof createKeys>>;
let trpcHost: { url: string; close(): Promise<void> };
const backends: RemoteBackend[] = [];
const clients: Client[] = [];

async function linked(server: ReturnType<typeof buildMcpServer>) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'large-documents', version: '1' });
  await client.connect(clientSide);
  clients.push(client);
  return client;
}

/** What cli/mcp.ts's serveRemote builds, over an in-memory link. */
async function remoteClient(apiKey: string) {
  const { backend, me } = await connectRemote(trpcHost.url, apiKey);
  backends.push(backend);
  return linked(
    buildMcpServer({
      version: 'test',
      principal: { kind: me.kind as 'api-key', role: me.role as 'viewer', capabilities: me.capabilities as 'read'[] },
      backendFor: () => backend,
      logger: rt.logger,
      session: { transport: 'stdio', mode: 'remote', idleTimeoutSeconds: null },
      startedAt: new Date(),
    }),
  );
}

const localClient = async (apiKey: string) => linked(await buildLocalServer(rt, apiKey, dispatch));

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true });
  keys = await createKeys(rt.database.db);
  trpcHost = await startTrpcHost(rt);
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const backend of backends) await backend.close().catch(() => {});
  await trpcHost?.close();
  await rt?.close();
});

describe('archon mcp remotely, with large inputs the tools allow', () => {
  it('creates a project document of 2,000,000 characters (the most manage_document takes) that are not ASCII, as the local mode does', async () => {
    const key = keys.write;
    const project = await rt.caller.projects.create({ title: 'Big documents' });
    const content = '設計'.repeat(1_000_000);
    const answers: Record<string, string> = {};
    for (const [mode, client] of [
      ['local', await localClient(key)],
      ['remote', await remoteClient(key)],
    ] as const) {
      const made = await client.callTool({
        name: 'manage_document',
        arguments: { action: 'create', project_id: project.id, title: `Design (${mode})`, content },
      });
      answers[mode] = `${made.isError ? 'error: ' : ''}${textOf(made)
        .replace(/[0-9a-f-]{36}/g, 'ID')
        .replace(/\((local|remote)\)/, '(mode)')}`;
    }
    expect(answers.local).toMatch(/^Created Design \(mode\) \[document_id ID\].*2000000 chars$/);
    expect(answers.remote).toBe(answers.local);
  });
});
