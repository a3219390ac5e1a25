import http from 'node:http';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServer } from '../../db/postgres';
import { mcpSessions } from '../../db/schema';
import { MCP_MAX_BODY_BYTES, MCP_MAX_INIT_BODY_BYTES } from '../../server/mcp/http';
import { SESSION_IDLE_MS } from '../../server/mcp/session-store';
import { acceptInvitation, inviteUser } from '../../server/services/auth/accounts';
import { createApiKey } from '../../server/services/auth/api-keys';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { connectMcp, createKeys, INITIALIZE, type McpHost, rawPost, rawSession, startMcpHost, structured, textOf, trpcOver } from '../helpers/mcp';
import { describeEveryTool } from '../helpers/mcp-scenario';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

// The MCP endpoint over real HTTP with the official SDK client, on both databases,
// without Next.js (test/e2e/mcp.test.ts runs it in the built server).

let rt: TestRuntime;
let host: McpHost;
let site: DocsSite;
let keys: Awaited<ReturnType<typeof createKeys>>;

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host } });
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt, { resourcesPerList: 2 });
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
  await site?.close();
});

describe('every tool, through the SDK client over streamable HTTP', () => {
  describeEveryTool(() => ({ url: host.url, adminKey: keys.admin, site, listPageSize: 2 }));
});

describe('arguments and errors', () => {
  it('names each bad field and what it expects, including parameters the tool does not have', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    const res = await client.callTool({ name: 'rag_search_knowledge_base', arguments: { query: '', match_count: 500, sourceId: 'x' } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(
      'Invalid arguments: query: must not be empty; match_count: must be at most 50; sourceId: is not a parameter of this tool',
    );
    const missing = await client.callTool({ name: 'manage_task', arguments: { action: 'create', title: 'x' } });
    expect(textOf(missing)).toBe('Invalid arguments: project_id: is required to create a task');
    const either = await client.callTool({ name: 'rag_read_full_page', arguments: {} });
    expect(textOf(either)).toBe('Invalid arguments: page_id or url: give one of them');
    // Nothing to change is said in the tool's terms.
    const nothing = await client.callTool({ name: 'manage_project', arguments: { action: 'update', project_id: crypto.randomUUID() } });
    expect(textOf(nothing)).toBe('Invalid arguments: nothing to update: give title, description, github_repo, pinned or features');
    await client.close();
  });

  it('answers an unknown tool and a missing object by name', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    expect(textOf(await client.callTool({ name: 'rag_query', arguments: {} }))).toBe(
      "Unknown tool 'rag_query': tools/list names the tools this server has.",
    );
    const id = '00000000-0000-4000-8000-000000000000';
    const res = await client.callTool({ name: 'rag_read_full_page', arguments: { page_id: id } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(`Not found: Page '${id}' does not exist`);
    expect(textOf(await client.callTool({ name: 'get_job', arguments: { job_id: id } }))).toBe(`Not found: Job '${id}' does not exist`);
    await client.close();
  });

  it('hides write tools from a read key and refuses them by the scope they need; admin tools from a write key', async () => {
    const read = (await connectMcp(host.url, keys.read)).client;
    const names = (await read.listTools()).tools.map((t) => t.name);
    expect(names).toContain('rag_search_knowledge_base');
    expect(names).not.toContain('manage_task');
    expect(names).not.toContain('rag_add_source');
    const refused = await read.callTool({ name: 'manage_task', arguments: { action: 'create', project_id: crypto.randomUUID(), title: 't' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe('This needs write access, which this API key does not have');
    const write = (await connectMcp(host.url, keys.write)).client;
    expect((await write.listTools()).tools.map((t) => t.name)).not.toContain('rag_delete_source');
    expect(textOf(await write.callTool({ name: 'rag_delete_source', arguments: { source_id: 'x' } }))).toBe(
      'This needs admin access, which this API key does not have',
    );
    await read.close();
    await write.close();
  });

  it('counts calls against the rate limits of the key, as tRPC does', async () => {
    const limited = await keys.key('read', 'rate-limited');
    const { client } = await connectMcp(host.url, limited.key);
    const before = rt.config.RATE_LIMIT_SEARCH_PER_MINUTE;
    rt.config.RATE_LIMIT_SEARCH_PER_MINUTE = 2;
    try {
      const search = () => client.callTool({ name: 'rag_search_code_examples', arguments: { query: 'frobnicate' } });
      expect((await search()).isError).toBeFalsy();
      expect((await search()).isError).toBeFalsy();
      const third = await search();
      expect(third.isError).toBe(true);
      expect(textOf(third)).toMatch(/^Too many search calls; try again in \d+ s$/);
      // Over tRPC the same key has used up the same minute.
      await expect(trpcOver(host.url, limited.key).knowledge.searchCode.query({ query: 'frobnicate' })).rejects.toThrow(/Too many search calls/);
    } finally {
      rt.config.RATE_LIMIT_SEARCH_PER_MINUTE = before;
    }
    await client.close();
  });

  it('logs an internal error under the request id and tells the client only the id', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    // A database failure nobody expects: the table the tool reads is briefly renamed.
    await rt.database.db.execute(sql`alter table projects rename to projects_gone`);
    try {
      const res = await client.callTool({ name: 'find_projects', arguments: {} });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/^Internal error \(request [\w-]+\)$/);
    } finally {
      await rt.database.db.execute(sql`alter table projects_gone rename to projects`);
    }
    // The session carries on.
    expect(structured(await client.callTool({ name: 'find_projects', arguments: {} })).total).toBeGreaterThanOrEqual(0);
    await client.close();
  });
});

describe('the HTTP endpoint', () => {
  it('answers a missing or bad key with 401 and WWW-Authenticate, and ignores cookies', async () => {
    const none = await rawPost(host.url, INITIALIZE);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="archon"');
    expect(JSON.parse(none.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: expect.stringMatching(/needs an API key/) } });
    const bad = await rawPost(host.url, INITIALIZE, { authorization: `Bearer ak_000000000000_${'x'.repeat(43)}` });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="archon", error="invalid_token"');
    const cookie = await rawPost(host.url, INITIALIZE, { cookie: 'archon_session=whatever', 'x-api-key': keys.admin });
    expect(cookie.status).toBe(401);
  });

  it('refuses a body over the limit with 413: an initialize at 64 KiB, any other request at 8 MiB', async () => {
    const big = await rawPost(
      host.url,
      { ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(MCP_MAX_INIT_BODY_BYTES) } },
      { authorization: `Bearer ${keys.admin}` },
    );
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).error.message).toBe('Payload too large: a request without Mcp-Session-Id (initialize) may be at most 65536 bytes');
    const session = await rawSession(host.url, keys.admin);
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'health_check', arguments: { pad: 'x'.repeat(MCP_MAX_BODY_BYTES) } },
    };
    const bigger = await session.post(call);
    expect(bigger.status).toBe(413);
    expect(JSON.parse(bigger.text).error.message).toBe('Payload too large: a request may be at most 8388608 bytes');
  });

  it('refuses another site as Origin, and a Host it does not serve (DNS rebinding)', async () => {
    const auth = { authorization: `Bearer ${keys.admin}` };
    const foreign = await rawPost(host.url, INITIALIZE, { ...auth, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toMatch(/Origin https:\/\/evil.example may not use this server/);
    const same = await rawPost(host.url, INITIALIZE, { ...auth, origin: host.url });
    expect(same.status).toBe(200);
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${host.url}/mcp`,
        {
          method: 'POST',
          headers: { ...auth, host: 'attacker.example:80', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/Host attacker.example:80 is not served here/);
  });

  it('ends a session left idle for a day', async () => {
    const { client, transport } = await connectMcp(host.url, keys.admin);
    const id = transport.sessionId!;
    await rt.database.db
      .update(mcpSessions)
      .set({ lastSeenAt: new Date(Date.now() - SESSION_IDLE_MS - 60_000) })
      .where(eq(mcpSessions.id, id));
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);
    const [row] = await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.id, id));
    expect(row!.closedAt).not.toBeNull();
    await client.close();
  });

  it('ends a session on DELETE: the id is 404 afterwards', async () => {
    const { client, transport } = await connectMcp(host.url, keys.admin);
    const id = transport.sessionId!;
    await transport.terminateSession();
    const after = await rawPost(
      host.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { authorization: `Bearer ${keys.admin}`, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    );
    expect(after.status).toBe(404);
    const [row] = await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.id, id));
    expect(row!.closedAt).not.toBeNull();
    await client.close();
  });

  it('ends the sessions of a key revoked mid-session: the next request fails, and the session is gone', async () => {
    const doomed = await keys.key('read', 'revoked soon');
    const { client, transport } = await connectMcp(host.url, doomed.key);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await trpcOver(host.url, keys.admin).auth.apiKeys.revoke.mutate({ id: doomed.id });
    await expect(client.listTools()).rejects.toThrow(/401|not valid/);
    await waitFor(async () => {
      const [row] = await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.id, transport.sessionId!));
      return row?.closedAt ?? null;
    });
    // Even a valid key of the same user cannot take the session over.
    const after = await rawPost(
      host.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      { authorization: `Bearer ${keys.admin}`, 'mcp-session-id': transport.sessionId! },
    );
    expect(after.status).toBe(404);
    await client.close();
  });

  it('ends the sessions of a user whose role changes; a new session shows what the new role may do', async () => {
    const { token } = await inviteUser(rt.database.db, { email: 'member@mcp.test', role: 'member' }, null);
    const member = await acceptInvitation(rt.database.db, { token, password: 'a long enough password 1' });
    const { key } = await createApiKey(rt.database.db, member.id, { name: 'member key', scopes: ['write'] });
    const { client, transport } = await connectMcp(host.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('manage_task');
    await trpcOver(host.url, keys.admin).users.setRole.mutate({ id: member.id, role: 'viewer' });
    await waitFor(async () => {
      const [row] = await rt.database.db.select().from(mcpSessions).where(eq(mcpSessions.id, transport.sessionId!));
      return row?.closedAt ?? null;
    });
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);
    const again = (await connectMcp(host.url, key)).client;
    expect((await again.listTools()).tools.map((t) => t.name)).not.toContain('manage_task');
    await client.close();
    await again.close();
  });

  it('keeps two sessions apart: one waits on a crawl with progress while the other searches', async () => {
    const crawler = (await connectMcp(host.url, keys.admin, { name: 'crawler' })).client;
    const searcher = (await connectMcp(host.url, keys.read, { name: 'searcher' })).client;
    const progress: Progress[] = [];
    let crawlEnded = 0;
    const crawl = crawler
      .callTool(
        { name: 'rag_add_source', arguments: { url: `${site.url}/slowdocs/0`, mode: 'recursive', max_depth: 40, concurrency: 1 } },
        undefined,
        { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true, timeout: 120_000 },
      )
      .then((r) => {
        crawlEnded = Date.now();
        return r;
      });
    await waitFor(() => progress.length >= 2, 60_000, 'crawl progress');
    for (let i = 0; i < 3; i++) {
      const found = structured(await searcher.callTool({ name: 'rag_search_knowledge_base', arguments: { query: 'frobnicator' } }));
      expect(found.results.length).toBeGreaterThan(0);
    }
    const searchesDone = Date.now();
    const result = structured(await crawl);
    expect(crawlEnded).toBeGreaterThan(searchesDone);
    expect(result.job.status).toBe('completed');
    expect(result.job.pagesFetched + result.job.pagesSkipped).toBe(30);
    // Progress went only to the session that asked, and reached the end.
    expect(progress.at(-1)!.progress).toBe(progress.at(-1)!.total);
    await crawler.close();
    await searcher.close();
  });

  it('stops waiting when the client cancels: the job goes on, unless the call said wait=true', async () => {
    const { client } = await connectMcp(host.url, keys.admin);
    const trpc = trpcOver(host.url, keys.admin);
    const follow = async (start: string, wait?: boolean) => {
      const ac = new AbortController();
      const url = `${site.url}/slowdocs/${start}`;
      const call = client.callTool(
        { name: 'rag_add_source', arguments: { url, mode: 'recursive', max_depth: 40, concurrency: 1, ...(wait ? { wait } : {}) } },
        undefined,
        { signal: ac.signal, onprogress: () => {}, timeout: 120_000 },
      );
      call.catch(() => {});
      const job = await waitFor(
        async () => (await trpc.jobs.list.query({ kind: 'crawl' })).items.find((j) => j.input.url === url),
        30_000,
        'the job',
      );
      ac.abort('user pressed stop');
      await expect(call).rejects.toThrow(/user pressed stop/);
      return job.id;
    };
    const kept = await follow('1');
    const stopped = await follow('2', true);
    expect(await waitFor(async () => ((await trpc.jobs.get.query({ id: stopped })).status === 'cancelled' ? 'ok' : null), 30_000)).toBe('ok');
    await new Promise((r) => setTimeout(r, 500));
    expect(['running', 'completed']).toContain((await trpc.jobs.get.query({ id: kept })).status);
    await trpc.jobs.cancel.mutate({ id: kept }).catch(() => {});
    await client.close();
  });
});

describe('two MCP endpoints on one database, as two processes have', () => {
  let other: TestRuntime | undefined;
  let otherHost: McpHost;
  let dropDb: (() => Promise<void>) | undefined;
  let first: TestRuntime | undefined;
  let firstHost: McpHost;

  beforeAll(async () => {
    if (testDbKind() === 'postgres') {
      // Two runtimes on one PostgreSQL database, each with its own pool, LISTEN connection and endpoint: two processes, as far as the endpoint can tell.
      const db = await createServerDatabase();
      dropDb = db.drop;
      first = await createTestRuntime({ runner: true, database: await openServer(db.url, 4), env: { CRAWL_ALLOWED_HOSTS: site.host } });
      other = await createTestRuntime({ database: await openServer(db.url, 4), env: { CRAWL_ALLOWED_HOSTS: site.host } });
      keys = await createKeys(first.database.db);
      firstHost = await startMcpHost(first);
      otherHost = await startMcpHost(other);
    } else {
      // The embedded database has one process; two endpoints in it still share nothing but the database and its notifications.
      firstHost = await startMcpHost(rt);
      otherHost = await startMcpHost(rt);
    }
  });
  afterAll(async () => {
    await firstHost?.close();
    await otherHost?.close();
    await other?.close();
    await first?.close();
    await dropDb?.();
  });

  it('serves one client whose requests alternate between them, cancellation included', async () => {
    const hosts = [firstHost.url, otherHost.url];
    const seen: string[] = [];
    let n = 0;
    let crawlAt: string | undefined;
    const alternating: typeof fetch = (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      let target = hosts[n++ % 2]!;
      if (body.includes('"rag_add_source"')) crawlAt = target;
      // The cancellation goes to the endpoint that is not running the call.
      if (body.includes('notifications/cancelled')) target = hosts.find((h) => h !== crawlAt)!;
      seen.push(target);
      return fetch(String(input).replace(/^http:\/\/[^/]+/, target), init);
    };
    const { client, transport } = await connectMcp(firstHost.url, keys.admin, { fetch: alternating });
    expect(transport.sessionId).toBeTruthy();
    for (let i = 0; i < 4; i++) expect((await client.listTools()).tools.length).toBeGreaterThan(20);
    const project = structured(await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Two processes' } })).project;
    expect(structured(await client.callTool({ name: 'find_projects', arguments: { project_id: project.id } })).project.title).toBe('Two processes');

    // A crawl followed with progress in one process; the client's cancellation reaches it through the other.
    const progress: Progress[] = [];
    const ac = new AbortController();
    const call = client.callTool(
      { name: 'rag_add_source', arguments: { url: `${site.url}/slowdocs/3`, mode: 'recursive', max_depth: 40, concurrency: 1, wait: true } },
      undefined,
      { signal: ac.signal, onprogress: (p) => progress.push(p), timeout: 120_000 },
    );
    call.catch(() => {});
    await waitFor(() => progress.length >= 2, 60_000, 'progress');
    ac.abort('stop');
    await expect(call).rejects.toThrow(/stop/);
    const trpc = trpcOver(firstHost.url, keys.admin);
    const url = `${site.url}/slowdocs/3`;
    await waitFor(
      async () => (await trpc.jobs.list.query({ kind: 'crawl', status: 'cancelled' })).items.some((j) => j.input.url === url) || null,
      30_000,
      'cancelled job',
    );

    await transport.terminateSession();
    expect(new Set(seen)).toEqual(new Set(hosts));
    const after = await rawPost(
      otherHost.url,
      { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      { authorization: `Bearer ${keys.admin}`, 'mcp-session-id': transport.sessionId! },
    );
    expect(after.status).toBe(404);
    await client.close();
  });
});
