import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_MAX_BODY_BYTES } from '../../server/mcp/http';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { connectMcp, INITIALIZE, rawPost, structured, textOf, trpcOver } from '../helpers/mcp';
import { describeEveryTool } from '../helpers/mcp-scenario';
import { type ServerProcess, startServerProcess, TEST_API_KEY } from '../helpers/server-process';

/**
 * The MCP server as users run it: /mcp on the built server (`npm start`),
 * and `archon mcp` over stdio, locally and against that server. On
 * PostgreSQL, also two server processes on one database serving one client.
 */

let site: DocsSite;
let server: ServerProcess;
let env: Record<string, string>;
let dbUrl: string | undefined;
let dropDb: (() => Promise<void>) | undefined;
const extra: ServerProcess[] = [];
const tempDirs: string[] = [];

beforeAll(async () => {
  site = await startDocsSite();
  env = { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dbUrl = db.url;
    dropDb = db.drop;
    env.DATABASE_URL = db.url;
  }
  server = await startServerProcess(env);
});
afterAll(async () => {
  for (const s of [...extra, server]) await s?.stop('SIGKILL');
  await dropDb?.();
  await site?.close();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('every tool at /mcp on the built server', () => {
  describeEveryTool(() => ({ url: server.url, adminKey: TEST_API_KEY, site }));
});

describe('/mcp refusals on the built server', () => {
  const keyOf = async (scopes: ('read' | 'write' | 'admin')[]) =>
    await trpcOver(server.url, TEST_API_KEY).auth.apiKeys.create.mutate({ name: scopes.join('+'), scopes });

  it('answers bad arguments, an unknown tool and a read key calling a write tool as tool errors', async () => {
    const { key } = await keyOf(['read']);
    const { client } = await connectMcp(server.url, key);
    expect(textOf(await client.callTool({ name: 'find_tasks', arguments: { per_page: 0, filter: 'x' } }))).toBe(
      'Invalid arguments: per_page: must be at least 1; filter: is not a parameter of this tool',
    );
    expect(textOf(await client.callTool({ name: 'create_task', arguments: {} }))).toMatch(/^Unknown tool 'create_task'/);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('manage_project');
    expect(textOf(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'x' } }))).toBe(
      'This needs write access, which this API key does not have',
    );
    await client.close();
  });

  it('answers a missing key with 401, an oversized request with 413 and another site with 403', async () => {
    const missing = await rawPost(server.url, INITIALIZE);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="archon"');
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    expect((await rawPost(server.url, 'x'.repeat(MCP_MAX_BODY_BYTES + 1), auth)).status).toBe(413);
    expect((await rawPost(server.url, INITIALIZE, { ...auth, origin: 'http://evil.example' })).status).toBe(403);
  });

  it('answers a caller without a key at once, without waiting for its body (review of #15, 5)', async () => {
    const started = Date.now();
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': '4000000' },
      });
      req.on('response', (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.write('{"jsonrpc":"2.0",');
    });
    expect(res).toBe(401);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('logs no error when clients close their event streams (review of #15, 9)', async () => {
    const before = server.output().length;
    for (let i = 0; i < 3; i++) {
      const { client } = await connectMcp(server.url, TEST_API_KEY);
      await client.listTools();
      await new Promise((r) => setTimeout(r, 100));
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(server.output().slice(before)).not.toMatch(/request failed|Premature close/);
  });

  it('ends the session of a key revoked mid-session', async () => {
    const { key, apiKey } = await keyOf(['read']);
    const { client, transport } = await connectMcp(server.url, key);
    expect(structured(await client.callTool({ name: 'health_check', arguments: {} })).status).toBe('ok');
    await trpcOver(server.url, TEST_API_KEY).auth.apiKeys.revoke.mutate({ id: apiKey.id });
    await expect(client.callTool({ name: 'health_check', arguments: {} })).rejects.toThrow(/401|not valid/);
    const after = await rawPost(
      server.url,
      { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      { authorization: `Bearer ${TEST_API_KEY}`, 'mcp-session-id': transport.sessionId! },
    );
    expect(after.status).toBe(404);
    await client.close();
  });
});

/** `archon mcp` as an MCP client starts it: the npm bin, over stdio, with only the variables the client passes. */
async function stdioClient(vars: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(process.cwd(), 'bin', 'archon.mjs'), 'mcp'],
    cwd: os.tmpdir(),
    env: { LOG_LEVEL: 'warn', ...vars },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'stdio-test', version: '1' });
  await client.connect(transport).catch((err: Error) => {
    throw new Error(`${err.message}\n${stderr}`);
  });
  return { client, stderr: () => stderr };
}

async function crawlWithProgress(client: Client, url: string) {
  const progress: Progress[] = [];
  const out = structured(
    await client.callTool({ name: 'rag_add_source', arguments: { url, mode: 'single' } }, undefined, {
      onprogress: (p) => progress.push(p),
      timeout: 120_000,
    }),
  );
  expect(out.job.status).toBe('completed');
  expect(progress.length).toBeGreaterThanOrEqual(1);
  expect(progress.at(-1)!.progress).toBe(progress.at(-1)!.total);
  return out;
}

describe('archon mcp over stdio', () => {
  it('remote mode: the tools run on the server through tRPC, progress over its WebSocket', async () => {
    const { client } = await stdioClient({ ARCHON_URL: server.url, ARCHON_API_KEY: TEST_API_KEY });
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('rag_delete_source');
    const session = structured(await client.callTool({ name: 'session_info', arguments: {} }));
    expect(session).toMatchObject({ transport: 'stdio', mode: 'remote', sessionId: null, caller: { kind: 'api-key' } });
    const project = structured(
      await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'From stdio, remotely' } }),
    ).project;
    expect((await trpcOver(server.url, TEST_API_KEY).projects.byId.query({ id: project.id })).title).toBe('From stdio, remotely');
    const crawled = await crawlWithProgress(client, `${site.url}/docs/a`);
    expect((await trpcOver(server.url, TEST_API_KEY).jobs.get.query({ id: crawled.job.id })).status).toBe('completed');
    expect(textOf(await client.callTool({ name: 'find_projects', arguments: { project_id: '00000000-0000-4000-8000-000000000000' } }))).toBe(
      "Not found: Project '00000000-0000-4000-8000-000000000000' does not exist",
    );
    // An error the SDK makes carries its code once, over stdio as over HTTP.
    await expect(client.getPrompt({ name: 'nope' })).rejects.toThrow(/^MCP error -32602: Prompt nope not found$/);
    await client.close();
  });

  it('remote mode with a revoked or wrong key says so in one line', async () => {
    const exit = await runCli({ ARCHON_URL: server.url, ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}` });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split('\n')).toEqual([`archon: ${server.url} refused ARCHON_API_KEY: it is revoked, expired or mistyped.`]);
  });

  it('local mode: opens the database as npm start does and runs the jobs it starts', async () => {
    const vars: Record<string, string> = { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' };
    if (dbUrl) vars.DATABASE_URL = dbUrl;
    else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-stdio-'));
      tempDirs.push(dir);
      vars.ARCHON_DATA_DIR = dir;
    }
    const { client } = await stdioClient(vars);
    const session = structured(await client.callTool({ name: 'session_info', arguments: {} }));
    expect(session).toMatchObject({ transport: 'stdio', mode: 'local', caller: { kind: 'system', capabilities: ['read', 'write', 'admin'] } });
    const project = structured(
      await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'From stdio, locally' } }),
    ).project;
    const crawled = await crawlWithProgress(client, `${site.url}/docs/b`);
    const found = structured(
      await client.callTool({ name: 'rag_search_knowledge_base', arguments: { query: 'install frob', source_id: crawled.job.sourceId } }),
    );
    expect(found.results.length).toBeGreaterThan(0);
    if (dbUrl) {
      // On PostgreSQL the server and `archon mcp` share the database: what one writes, the other reads.
      expect((await trpcOver(server.url, TEST_API_KEY).projects.byId.query({ id: project.id })).title).toBe('From stdio, locally');
    }
    await client.close();
  });

  it('remote mode with ARCHON_URL set to the /mcp endpoint says what to set instead (review of #15, 12)', async () => {
    const exit = await runCli({ ARCHON_URL: `${server.url}/mcp`, ARCHON_API_KEY: TEST_API_KEY });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split('\n')).toEqual([
      `archon: ARCHON_URL is Archon's address, not its MCP endpoint: set it to ${server.url} (without /mcp).`,
    ]);
  });

  it.runIf(testDbKind() === 'pglite')('local mode on a data directory npm start holds: one line saying what to do', async () => {
    const exit = await runCli({ ARCHON_DATA_DIR: server.dataDir });
    expect(exit.code).toBe(1);
    const lines = exit.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^archon: The data directory .* is in use by another Archon process \(pid \d+/);
    expect(lines[0]).toMatch(/set ARCHON_URL and ARCHON_API_KEY\.$/);
  });
});

function runCli(vars: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin', 'archon.mjs'), 'mcp'], {
      cwd: os.tmpdir(),
      env: { NODE_ENV: 'production', PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...vars },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe.runIf(testDbKind() === 'postgres')('two server processes on one database', () => {
  it('serve one client whose requests alternate between them', async () => {
    const second = await startServerProcess(env);
    extra.push(second);
    const hosts = [server.url, second.url];
    let n = 0;
    const used = new Set<string>();
    const alternating: typeof fetch = (input, init) => {
      const target = hosts[n++ % 2]!;
      used.add(target);
      return fetch(String(input).replace(/^http:\/\/[^/]+/, target), init);
    };
    const { client, transport } = await connectMcp(server.url, TEST_API_KEY, { fetch: alternating });
    for (let i = 0; i < 3; i++) expect((await client.listTools()).tools).toHaveLength(23);
    const project = structured(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Alternating' } })).project;
    const task = structured(await client.callTool({ name: 'manage_task', arguments: { action: 'create', project_id: project.id, title: 'T' } })).task;
    structured(await client.callTool({ name: 'manage_task', arguments: { action: 'update', task_id: task.id, status: 'doing' } }));
    expect(structured(await client.callTool({ name: 'find_tasks', arguments: { task_id: task.id } })).task.status).toBe('doing');
    await crawlWithProgress(client, `${site.url}/docs/c/`);
    await transport.terminateSession();
    expect(used).toEqual(new Set(hosts));
    for (const host of hosts) {
      const after = await rawPost(
        host,
        { jsonrpc: '2.0', id: 7, method: 'tools/list' },
        { authorization: `Bearer ${TEST_API_KEY}`, 'mcp-session-id': transport.sessionId! },
      );
      expect(after.status).toBe(404);
    }
    await client.close();
  });
});
