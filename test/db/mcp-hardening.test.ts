import http from 'node:http';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mcpSessions } from '../../db/schema';
import { pruneSessions } from '../../server/mcp/session-store';
import { createApiKey } from '../../server/services/auth/api-keys';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import {
  connectMcp,
  createKeys,
  INITIALIZE,
  type McpHost,
  messagesOf,
  rawPost,
  rawSession,
  startMcpHost,
  structured,
  textOf,
  trpcOver,
} from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

// Regressions for the findings of the MCP review (issue #15), each numbered as
// the review numbers them, on both databases.

let rt: TestRuntime;
let host: McpHost;
let site: DocsSite;
let keys: Awaited<ReturnType<typeof createKeys>>;

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host } });
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
  await site?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sessionRow = async (id: string) => (await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.id, id)))[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An HTTP request whose body is sent only in part, then held: what a slow or hostile client does. */
function stalledPost(url: string, headers: Record<string, string>, declared: number, sent: string) {
  return new Promise<{ status: number; body: string; at: number }>((resolve, reject) => {
    const started = Date.now();
    const req = http.request(
      `${url}/mcp`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': String(declared),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, at: Date.now() - started }));
        res.on('error', () => resolve({ status: res.statusCode!, body, at: Date.now() - started }));
      },
    );
    req.on('error', reject);
    req.write(sent);
    setTimeout(() => req.destroy(), 15_000).unref();
  });
}

describe('1. sessions cannot exhaust memory', () => {
  it('counts initialize against a per-key rate limit (RATE_LIMIT_MCP_SESSIONS_PER_MINUTE)', async () => {
    const { key } = await keys.key('read', 'session-rate');
    const before = rt.config.RATE_LIMIT_MCP_SESSIONS_PER_MINUTE;
    rt.config.RATE_LIMIT_MCP_SESSIONS_PER_MINUTE = 2;
    try {
      expect((await rawPost(host.url, INITIALIZE, bearer(key))).status).toBe(200);
      expect((await rawPost(host.url, INITIALIZE, bearer(key))).status).toBe(200);
      const third = await rawPost(host.url, INITIALIZE, bearer(key));
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(JSON.parse(third.text)).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32000, message: expect.stringMatching(/^Too many new MCP sessions; try again in \d+ s$/) },
      });
      // Another key is not held back.
      expect((await rawPost(host.url, INITIALIZE, bearer(keys.read))).status).toBe(200);
    } finally {
      rt.config.RATE_LIMIT_MCP_SESSIONS_PER_MINUTE = before;
    }
  });

  it('keeps a bounded number of open sessions per key, ending the least recently used', async () => {
    const capped = await startMcpHost(rt, { maxSessionsPerKey: 3 });
    try {
      const { key, id: keyId } = await keys.key('read', 'session-cap');
      const sessions = [];
      for (let i = 0; i < 3; i++) sessions.push(await rawSession(capped.url, key));
      // The first is the least recently used once the others have been used since.
      await rt.database.db
        .update(mcpSessions)
        .set({ lastSeenAt: new Date(Date.now() - 3_600_000) })
        .where(eq(mcpSessions.id, sessions[0]!.sessionId));
      const fourth = await rawSession(capped.url, key);
      expect((await sessions[0]!.post({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(404);
      expect((await sessionRow(sessions[0]!.sessionId))!.closedAt).not.toBeNull();
      for (const s of [...sessions.slice(1), fourth]) expect((await s.post({ jsonrpc: '2.0', id: 2, method: 'ping' })).status).toBe(200);
      const open = await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.keyId, keyId));
      expect(open.filter((r) => !r.closedAt)).toHaveLength(3);
    } finally {
      await capped.close();
    }
  });

  it('refuses initialize params past their bounds and stores only what rebuilding needs', async () => {
    const fat = await rawPost(
      host.url,
      { ...INITIALIZE, params: { ...INITIALIZE.params, clientInfo: { name: 'n'.repeat(10_000), version: '1' } } },
      bearer(keys.read),
    );
    expect(fat.status).toBe(400);
    expect(JSON.parse(fat.text)).toMatchObject({
      id: 1,
      error: { code: -32602, message: 'Invalid params: clientInfo.name: must be at most 200 characters' },
    });
    const bigCaps = await rawPost(
      host.url,
      { ...INITIALIZE, params: { ...INITIALIZE.params, capabilities: { experimental: { x: { y: 'y'.repeat(5000) } } } } },
      bearer(keys.read),
    );
    expect(bigCaps.status).toBe(400);
    expect(JSON.parse(bigCaps.text).error.message).toBe('Invalid params: capabilities: must be at most 4096 characters as JSON');
    // A body without a session can only be initialize: it is bounded far below a tool call's.
    const huge = await rawPost(host.url, { ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(100_000) } }, bearer(keys.read));
    expect(huge.status).toBe(413);

    const extra = await rawPost(
      host.url,
      {
        ...INITIALIZE,
        params: {
          protocolVersion: '2025-06-18',
          capabilities: { roots: { listChanged: true } },
          clientInfo: { name: 'c', version: '2', title: 'Client', websiteUrl: 'https://c.example', icons: [{ src: 'https://c.example/i.png' }] },
          _meta: { junk: 'x'.repeat(1000) },
          more: 'x'.repeat(1000),
        },
      },
      bearer(keys.read),
    );
    expect(extra.status).toBe(200);
    const row = await sessionRow(extra.headers.get('mcp-session-id')!);
    expect(row!.initParams).toEqual({
      protocolVersion: '2025-06-18',
      capabilities: { roots: { listChanged: true } },
      clientInfo: { name: 'c', version: '2', title: 'Client' },
    });
  });

  it('drops idle sessions from memory, rebuilt ones included, and keeps their rows', async () => {
    const quick = await startMcpHost(rt, { liveIdleMs: 300, sweepMs: 100 });
    try {
      const { client, transport } = await connectMcp(quick.url, keys.read);
      expect(quick.mcp.stats().live).toBe(1);
      await waitFor(() => (quick.mcp.stats().live === 0 ? true : null), 5_000, 'idle session dropped');
      // The next request rebuilds it from its row; idle again, the rebuilt one goes too.
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      expect(quick.mcp.stats().live).toBe(1);
      await waitFor(() => (quick.mcp.stats().live === 0 ? true : null), 5_000, 'rebuilt session dropped');
      expect((await sessionRow(transport.sessionId!))!.closedAt).toBeNull();
      await client.close();
    } finally {
      await quick.close();
    }
  });
});

describe('1. ended sessions leave the disk too', () => {
  it('deletes the rows of sessions that ended over a day ago', async () => {
    const old = await rawSession(host.url, keys.read);
    const recent = await rawSession(host.url, keys.read);
    const day = 24 * 3_600_000;
    await rt.database.db
      .update(mcpSessions)
      .set({ closedAt: new Date(Date.now() - 2 * day) })
      .where(eq(mcpSessions.id, old.sessionId));
    await rt.database.db
      .update(mcpSessions)
      .set({ closedAt: new Date(Date.now() - 3_600_000) })
      .where(eq(mcpSessions.id, recent.sessionId));
    await pruneSessions(rt.database.db);
    expect(await sessionRow(old.sessionId)).toBeUndefined();
    expect(await sessionRow(recent.sessionId)).toBeDefined();
  });
});

describe('2. manage_task writes nothing when the move fails', () => {
  it('create and update with a bad anchor change nothing, and the refusal names after_task_id/before_task_id', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const call = (args: Record<string, unknown>) => client.callTool({ name: 'manage_task', arguments: args });
    const project = structured(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Atomic tasks' } })).project;
    const other = structured(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Elsewhere' } })).project;
    const foreign = structured(await call({ action: 'create', project_id: other.id, title: 'Foreign' })).task;
    const missing = '00000000-0000-4000-8000-00000000abcd';

    const r1 = await call({ action: 'create', project_id: project.id, title: 'should not exist', after_task_id: missing });
    expect(r1.isError).toBe(true);
    expect(textOf(r1)).toBe(`Not found: after_task_id: Task '${missing}' does not exist`);
    const r2 = await call({ action: 'create', project_id: project.id, title: 'should not exist 2', before_task_id: foreign.id });
    expect(r2.isError).toBe(true);
    expect(textOf(r2)).toBe(`Invalid arguments: before_task_id: task '${foreign.id}' is in another project`);
    expect(structured(await client.callTool({ name: 'find_tasks', arguments: { project_id: project.id } })).total).toBe(0);

    const task = structured(await call({ action: 'create', project_id: project.id, title: 'v1' })).task;
    const doing = structured(await call({ action: 'create', project_id: project.id, title: 'in doing', status: 'doing' })).task;
    const r3 = await call({ action: 'update', task_id: task.id, title: 'v2', after_task_id: doing.id });
    expect(r3.isError).toBe(true);
    expect(textOf(r3)).toBe(`Invalid arguments: after_task_id: task '${doing.id}' is in the 'doing' column, not 'todo'`);
    const r4 = await call({ action: 'update', task_id: task.id, title: 'v2', status: 'doing', before_task_id: missing });
    expect(textOf(r4)).toBe(`Not found: before_task_id: Task '${missing}' does not exist`);
    const after = structured(await client.callTool({ name: 'find_tasks', arguments: { task_id: task.id } })).task;
    expect(after).toMatchObject({ title: 'v1', status: 'todo', version: task.version });

    // Both at once, when the anchor is right.
    const moved = structured(await call({ action: 'update', task_id: task.id, title: 'v2', status: 'doing', before_task_id: doing.id })).task;
    expect(moved).toMatchObject({ title: 'v2', status: 'doing' });
    const column = structured(await client.callTool({ name: 'find_tasks', arguments: { filter_by: 'project', filter_value: project.id } })).tasks;
    expect(column.filter((t: { status: string }) => t.status === 'doing').map((t: { id: string }) => t.id)).toEqual([task.id, doing.id]);
    await client.close();
  });
});

describe('4. a client timeout does not cancel a wait=true job', () => {
  it('stops waiting when the client times out, and the job goes on (mcp-http.test.ts: an explicit cancel still cancels it)', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    const trpc = trpcOver(host.url, keys.admin);
    const url = `${site.url}/slowdocs/4`;
    const call = client.callTool(
      { name: 'rag_add_source', arguments: { url, mode: 'recursive', max_depth: 40, concurrency: 1, wait: true } },
      undefined,
      { timeout: 1_500 },
    );
    await expect(call).rejects.toThrow(/Request timed out/);
    const job = (await trpc.jobs.list.query({ kind: 'crawl' })).items.find((j) => j.input.url === url)!;
    await sleep(1_000);
    expect(['running', 'completed']).toContain((await trpc.jobs.get.query({ id: job.id })).status);
    await trpc.jobs.cancel.mutate({ id: job.id }).catch(() => {});
    await client.close();
  });
});

describe('5. authentication comes before the body, and a body has a deadline', () => {
  it('answers 401 without reading the body of a caller with no key', async () => {
    const res = await stalledPost(host.url, {}, 4_000_000, '{"jsonrpc":"2.0",');
    expect(res.status).toBe(401);
    expect(res.at).toBeLessThan(3_000);
    const bad = await stalledPost(host.url, bearer(`ak_000000000000_${'x'.repeat(43)}`), 4_000_000, '{');
    expect(bad.status).toBe(401);
  });

  it('answers 408 when a body stalls past the deadline', async () => {
    const slow = await startMcpHost(rt, { bodyTimeoutMs: 500 });
    try {
      const res = await stalledPost(slow.url, bearer(keys.read), 1000, '{"jsonrpc":"2.0",');
      expect(res.status).toBe(408);
      expect(res.at).toBeLessThan(5_000);
      expect(JSON.parse(res.body).error.message).toMatch(/^Request timeout: the body did not arrive within 0\.5 s/);
    } finally {
      await slow.close();
    }
  });
});

describe('7. a body that is not a JSON-RPC message', () => {
  it('is answered -32600 Invalid Request, as JSON, never 500', async () => {
    const session = await rawSession(host.url, keys.read);
    for (const body of ['42', 'null', '[1,2]', '[]', '"x"']) {
      const res = await session.post(body);
      expect(res.status, body).toBe(400);
      expect(JSON.parse(res.text), body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    }
    expect(host.errors).toEqual([]);
  });
});

describe('8. resources: bad input is invalid params, not an internal error', () => {
  it('answers -32602 naming the bad part, and logs nothing as an error', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    const logged = vi.spyOn(rt.logger, 'error');
    try {
      const codeOf = async (p: Promise<unknown>) => {
        const err = (await p.then(
          () => null,
          (e: unknown) => e,
        )) as McpError | null;
        return err && { code: err.code, message: err.message };
      };
      expect(await codeOf(client.readResource({ uri: 'archon://sources/x/pages/not-a-uuid' }))).toEqual({
        code: -32602,
        message: 'MCP error -32602: Invalid params: page_id: must be a UUID',
      });
      expect(await codeOf(client.readResource({ uri: 'archon://sources/%E0%A4%A/pages/%ZZ' }))).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/is not valid percent-encoding/),
      });
      expect(await codeOf(client.readResource({ uri: 'archon://pages?url=%' }))).toMatchObject({ code: -32602 });
      const cursor = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      for (const bad of [
        { s: 2 ** 53 - 1, p: 0 },
        { s: 0, p: 2 ** 53 - 1 },
      ]) {
        expect(await codeOf(client.listResources({ cursor: cursor(bad) }))).toEqual({
          code: -32602,
          message: 'MCP error -32602: Invalid params: cursor: not one this server gave; list again without a cursor',
        });
      }
      const missing = '00000000-0000-4000-8000-000000000000';
      expect(await codeOf(client.readResource({ uri: `archon://sources/x/pages/${missing}` }))).toEqual({
        code: -32002,
        message: `MCP error -32002: Not found: Page '${missing}' does not exist`,
      });
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    await client.close();
  });
});

describe('9. client disconnects', () => {
  it('are not failures: a closed event stream logs nothing', async () => {
    const before = host.errors.length;
    for (let i = 0; i < 3; i++) {
      // The SDK client's close() drops its GET stream without a DELETE.
      const { client } = await connectMcp(host.url, keys.read);
      await client.listTools();
      await sleep(100);
      await client.close();
      const session = await rawSession(host.url, keys.read);
      const ac = new AbortController();
      // Headers come with the first event (a keep-alive after 15 s): the client leaves before.
      const stream = fetch(`${host.url}/mcp`, { headers: { ...session.headers, accept: 'text/event-stream' }, signal: ac.signal });
      stream.catch(() => {});
      await sleep(200);
      ac.abort();
    }
    await sleep(300);
    expect(host.errors.slice(before)).toEqual([]);
  });
});

describe('10. documents and versions are read in whole characters', () => {
  it('never splits a surrogate pair, and the notice counts what chars counts', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const project = structured(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Zebras' } })).project;
    const content = `a${'🦓'.repeat(25_000)}`;
    const created = structured(
      await client.callTool({ name: 'manage_document', arguments: { action: 'create', project_id: project.id, title: 'Z', content } }),
    ).document;
    expect(created.chars).toBe(25_001);
    const first = structured(
      await client.callTool({ name: 'find_documents', arguments: { project_id: project.id, document_id: created.id } }),
    ).document;
    expect([...first.content]).toHaveLength(20_000);
    expect(first.content.endsWith('🦓')).toBe(true);
    expect(first.notice).toBe('This has 25001 characters; this is 0–20000. Read on with offset 20000.');
    const rest = structured(
      await client.callTool({ name: 'find_documents', arguments: { project_id: project.id, document_id: created.id, offset: 20_000 } }),
    ).document;
    expect(rest.content).toBe('🦓'.repeat(5_001));
    expect(rest.notice).toBeNull();
    expect(first.content + rest.content).toBe(content);
    const version = structured(
      await client.callTool({ name: 'find_versions', arguments: { project_id: project.id, document_id: created.id, version_number: 1 } }),
    ).version;
    expect(version.content.endsWith('🦓')).toBe(true);
    expect(version.notice).toBe('This has 25001 characters; this is 0–20000. Read on with offset 20000.');
    await client.close();
  });
});

describe('11. protocol odds and ends', () => {
  it('answers tools/call without a name or with non-object arguments with -32602 and a plain message', async () => {
    const session = await rawSession(host.url, keys.read);
    const call = async (params: unknown) => messagesOf(await session.post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params })).at(-1);
    expect(await call({})).toMatchObject({ id: 3, error: { code: -32602, message: 'Invalid params: name: is required (string)' } });
    expect(await call({ name: 'health_check', arguments: 'x' })).toMatchObject({
      error: { code: -32602, message: 'Invalid params: arguments: expected record, received string' },
    });
    expect(await call({ name: 'find_projects', arguments: [1] })).toMatchObject({
      error: { code: -32602, message: 'Invalid params: arguments: expected record, received array' },
    });
  });

  it('does not double the "MCP error" prefix of errors the SDK makes', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    await expect(client.readResource({ uri: 'file:///etc/passwd' })).rejects.toThrow(
      /^MCP error -32002: Resource not found: file:\/\/\/etc\/passwd is not a page of this server/,
    );
    await expect(client.getPrompt({ name: 'nope' })).rejects.toThrow(/^MCP error -32602: Prompt nope not found$/);
    await client.close();
  });

  it('bounds request ids, and what a cancellation puts into NOTIFY', async () => {
    const session = await rawSession(host.url, keys.read);
    for (const requestId of ['x'.repeat(9_000), { nested: 'object' }, 12]) {
      const res = await session.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'r'.repeat(5_000) } });
      expect(res.status).toBe(202);
    }
    const long = await session.post({ jsonrpc: '2.0', id: 'y'.repeat(300), method: 'ping' });
    expect(long.status).toBe(400);
    expect(JSON.parse(long.text).error).toMatchObject({ code: -32600, message: 'Invalid Request: an id may be at most 200 characters' });
    expect(host.errors).toEqual([]);
  });

  it('answers a request reusing the id of one in progress with an error, and the first one normally', async () => {
    const session = await rawSession(host.url, keys.admin);
    // A crawl the call waits for holds id 5 for a few seconds; a ping with the same id arrives meanwhile.
    const crawl = session.post({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'rag_add_source', arguments: { url: `${site.url}/slowdocs/25`, mode: 'recursive', max_depth: 10, concurrency: 1, wait: true } },
    });
    await sleep(500);
    const ping = await session.post({ jsonrpc: '2.0', id: 5, method: 'ping' });
    expect(ping.status).toBe(400);
    expect(JSON.parse(ping.text)).toMatchObject({
      id: 5,
      error: { code: -32600, message: 'Invalid Request: id 5 is in use by a request in progress on this session; give each request its own id' },
    });
    const answered = await Promise.race([crawl, sleep(20_000).then(() => null)]);
    expect(answered, 'the first request was answered').not.toBeNull();
    expect(messagesOf(answered!).at(-1)).toMatchObject({ id: 5, result: { structuredContent: { job: { status: 'completed' } } } });
    // Once answered, the id is free again.
    expect((await session.post({ jsonrpc: '2.0', id: 5, method: 'ping' })).status).toBe(200);
  });

  it("closes an expiring key's streams and its session at expiry", async () => {
    const { key, apiKey } = await createApiKey(rt.database.db, keys.owner.id, {
      name: 'short-lived',
      scopes: ['read'],
      expiresAt: new Date(Date.now() + 1_500),
    });
    const session = await rawSession(host.url, key);
    const stream = await fetch(`${host.url}/mcp`, { headers: { ...session.headers, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const ended = stream.text().then(() => Date.now());
    const at = await Promise.race([ended, sleep(6_000).then(() => null)]);
    expect(at, 'the GET stream ended').not.toBeNull();
    expect(at!).toBeGreaterThanOrEqual(apiKey.expiresAt!.getTime() - 50);
    await waitFor(async () => (await sessionRow(session.sessionId))?.closedAt ?? null, 5_000, 'session closed');
  });

  it('counts the content of an upload in UTF-8 bytes, within what a request may carry', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    // 1.5 million CJK characters: within 3,000,000 characters, but 4.5 MB of UTF-8.
    const res = await client.callTool({ name: 'rag_upload_document', arguments: { filename: 'cjk.md', content: '漢'.repeat(1_500_000) } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(
      'Invalid arguments: content: must be at most 3000000 bytes as UTF-8 (this is 4500000); larger files go to POST /api/uploads',
    );
    await client.close();
  });
});

describe('12. wording', () => {
  it('names parameters as the tools do, and an unknown source_id in a search as not found', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
    const project = structured(await call('manage_project', { action: 'create', title: 'Words' })).project;
    expect(textOf(await call('manage_task', { action: 'create', project_id: project.id, title: 't', code_example_ids: [987654] }))).toBe(
      'Invalid arguments: code_example_ids: Unknown code example ids: 987654',
    );
    expect(textOf(await call('manage_project', { action: 'update', project_id: project.id }))).toBe(
      'Invalid arguments: nothing to update: give title, description, github_repo, pinned or features',
    );
    for (const tool of ['rag_search_knowledge_base', 'rag_search_code_examples']) {
      const res = await call(tool, { query: 'anything', source_id: 'no-such-source' });
      expect(res.isError, tool).toBe(true);
      expect(textOf(res)).toBe("Not found: Source 'no-such-source' does not exist");
    }

    const upload = async (text: string) =>
      structured(await call('rag_upload_document', { filename: 'same.md', content: text, wait: true })).job.sourceId as string;
    const a = await upload('# Same\n\none');
    const b = await upload('# Same\n\ntwo');
    const page = structured(await call('rag_list_pages_for_source', { source_id: a })).pages[0];
    const both = await call('rag_read_full_page', { url: page.url });
    expect(both.isError).toBe(true);
    expect(textOf(both)).toMatch(/is in several sources \(.*\); give source_id, or read by page_id$/);
    const viaResource = await client.readResource({ uri: `archon://pages?url=${encodeURIComponent(page.url)}&source_id=${b}` });
    expect((viaResource.contents[0] as { text: string }).text).toContain('two');
    await expect(client.readResource({ uri: `archon://pages?url=${encodeURIComponent(page.url)}` })).rejects.toThrow(/add source_id to the URI/);
    await client.close();
  });

  it('accepts base64 with line breaks, and refuses malformed base64 by name', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const text = `# Wrapped\n\n${'Base64 wrapped at 76 characters, as the base64 command prints it. '.repeat(20)}`;
    const wrapped = Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\n');
    const ok = structured(
      await client.callTool({ name: 'rag_upload_document', arguments: { filename: 'wrapped.md', content_base64: `${wrapped}\r\n`, wait: true } }),
    );
    expect(ok.job.status).toBe('completed');
    const page = (await trpcOver(host.url, keys.write).knowledge.listPages.query({ sourceId: ok.job.sourceId })).items[0]!;
    expect((await trpcOver(host.url, keys.write).knowledge.readPage.query({ pageId: page.id })).content).toContain('Base64 wrapped');
    for (const bad of ['A', 'QQ=x', 'Zm9v!']) {
      const res = await client.callTool({ name: 'rag_upload_document', arguments: { filename: 'bad.md', content_base64: bad } });
      expect(res.isError, bad).toBe(true);
      expect(textOf(res), bad).toMatch(/^Invalid arguments: content_base64: /);
    }
    expect(textOf(await client.callTool({ name: 'rag_upload_document', arguments: { filename: 'bad.md', content_base64: 'A' } }))).toBe(
      'Invalid arguments: content_base64: is not whole base64: it comes in groups of 4 characters, and 1 is left over',
    );
    await client.close();
  });
});
