import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalServer, connectRemote } from '../../cli/mcp';
import type { RemoteBackend } from '../../cli/remote-backend';
import { dispatch } from '../../inngest/dispatch';
import { buildMcpServer } from '../../server/mcp/server';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { connectMcp, createKeys, type McpHost, startMcpHost, textOf } from '../helpers/mcp';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';
import { startTrpcHost } from '../helpers/trpc-host';

// The knowledge tools give the same answer, and the same error text, over /mcp, through `archon mcp` on the
// local database, and through `archon mcp` against a remote Archon (tRPC over HTTP, a plain Node server).

let rt: TestRuntime;
let mcpHost: McpHost;
let trpcHost: { url: string; close(): Promise<void> };
let remote: RemoteBackend;
const clients: Record<'http' | 'local' | 'remote', Client> = {} as never;
let site: DocsSite;
let sourceId: string;

async function linked(server: ReturnType<typeof buildMcpServer>) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'parity-test', version: '1' });
  await client.connect(clientSide);
  return client;
}

const upload = async (name: string, markdown: string) => {
  const job = await rt.caller.knowledge.upload({ files: [{ name, contentBase64: Buffer.from(markdown).toString('base64') }] });
  return (await jobSettled(rt, job.id, 60_000)).sourceId!;
};

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host } });
  const keys = await createKeys(rt.database.db);
  sourceId = await upload('gizmo.md', '# Gizmo\n\nThe gizmo calibrates widgets 😀.\n\n```ts\nconst gizmo = calibrate();\n```\n');
  expect((await rt.caller.knowledge.listPages({ sourceId })).items.length).toBeGreaterThan(0);
  // A second source holding the same address (an upload of a file with the same name).
  await upload('gizmo.md', '# Another gizmo\n\nA second copy.');

  mcpHost = await startMcpHost(rt);
  trpcHost = await startTrpcHost(rt);
  clients.http = (await connectMcp(mcpHost.url, keys.read)).client;
  clients.local = await linked(await buildLocalServer(rt, keys.read, dispatch));
  const connected = await connectRemote(trpcHost.url, keys.read);
  remote = connected.backend;
  const me = connected.me;
  clients.remote = await linked(
    buildMcpServer({
      version: 'test',
      principal: { kind: 'api-key', role: me.role as 'viewer', capabilities: me.capabilities as 'read'[] },
      backendFor: () => remote,
      logger: rt.logger,
      session: { transport: 'stdio', mode: 'remote', idleTimeoutSeconds: null },
      startedAt: new Date(),
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const client of Object.values(clients)) await client?.close();
  await remote?.close();
  await trpcHost?.close();
  await mcpHost?.close();
  await rt?.close();
  await site?.close();
});

/** A tool call's outcome as an agent reads it, in each mode. */
async function inEachMode(name: string, args: Record<string, unknown>) {
  const out: Record<string, string> = {};
  for (const [mode, client] of Object.entries(clients)) {
    const result = await client.callTool({ name, arguments: args });
    out[mode] = `${result.isError ? 'error: ' : ''}${textOf(result)}`;
  }
  return out;
}

describe('the same call, the same answer in every mode', () => {
  it('refuses an offset past what the service pages through in the same words, remote included', async () => {
    for (const [name, args] of [
      ['rag_get_available_sources', { offset: 2_000_000 }],
      ['rag_list_pages_for_source', { source_id: sourceId, offset: 2_000_000 }],
      ['list_jobs', { offset: 2_000_000 }],
    ] as const) {
      const out = await inEachMode(name, args);
      expect(out, name).toEqual({
        http: 'error: Invalid arguments: offset: must be at most 1000000',
        local: 'error: Invalid arguments: offset: must be at most 1000000',
        remote: 'error: Invalid arguments: offset: must be at most 1000000',
      });
    }
  });

  it('takes the longest inputs the tools allow remotely too: a 2,000-character query in CJK or emoji, a 4,096-character URL', async () => {
    // Percent-encoded in a GET's address these would pass Node's 16 KiB header limit, and the answer was
    // "Cannot reach Archon at …: Unexpected end of JSON input".
    const cases = [
      ['rag_search_knowledge_base', { query: `gizmo ${'日'.repeat(1994)}` }],
      ['rag_search_code_examples', { query: '😀'.repeat(2000) }],
      ['rag_read_full_page', { url: `https://example.com/${'é'.repeat(4000)}` }],
    ] as const;
    for (const [name, args] of cases) {
      const out = await inEachMode(name, args);
      expect(out.remote, name).toBe(out.local);
      expect(out.http, name).toBe(out.local);
      expect(out.local, name).not.toMatch(/Cannot reach|Internal error/);
    }
  });

  it('says how to pick the source of an address several sources hold, tool and resource alike', async () => {
    const tool = await inEachMode('rag_read_full_page', { url: 'file://gizmo.md' });
    expect(tool.local).toMatch(/^error: Invalid arguments: file:\/\/gizmo\.md is in several sources \(.+\); give source_id, or read by page_id$/);
    expect(tool.remote).toBe(tool.local);
    expect(tool.http).toBe(tool.local);
    const uri = `archon://pages?url=${encodeURIComponent('file://gizmo.md')}`;
    const refusals: Record<string, string> = {};
    for (const [mode, client] of Object.entries(clients))
      refusals[mode] = await client.readResource({ uri }).then(
        () => 'read',
        (err: Error & { code?: number }) => `${err.code} ${err.message}`,
      );
    expect(refusals.local).toMatch(
      /^-32602 MCP error -32602: Invalid params: file:\/\/gizmo\.md is in several sources \(.+\): add source_id to the URI/,
    );
    expect(refusals.remote).toBe(refusals.local);
    expect(refusals.http).toBe(refusals.local);
  });

  it("reads a page by the URL a search gave, whose #anchor names the passage's section", async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
    const crawled = (await jobSettled(rt, job.id, 60_000)).sourceId!;
    for (const [tool, query] of [
      ['rag_search_knowledge_base', 'frobnicator options widgets'],
      ['rag_search_code_examples', 'frobnicate'],
    ] as const) {
      const found = await clients.local.callTool({ name: tool, arguments: { query, source_id: crawled } });
      const url = (found.structuredContent as { results: { url: string }[] }).results[0]!.url;
      expect(url).toMatch(new RegExp(`^${site.url}/docs/.*#[a-z-]+$`));
      const read = await inEachMode('rag_read_full_page', { url });
      expect(read.local).toMatch(
        new RegExp(`^# .+\\n${url.replace(/#.*/, '').replace(/[.?]/g, '\\$&')} \\(page_id [0-9a-f-]{36}, source ${crawled}\\)\\n`),
      );
      expect(read.remote).toBe(read.local);
      expect(read.http).toBe(read.local);
    }
  });
});
