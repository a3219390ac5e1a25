import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { appRouter } from '../../server/routers/_app';
import { DEFAULT_RATE_LIMITS } from '../../server/services/security/rate-limit';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { clearOfWindowEdge } from '../helpers/rate-window';
import { AUTH_HEADERS, type ServerProcess, startServerProcess, TEST_OWNER } from '../helpers/server-process';
import { createArchonClient, createArchonWsClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Authentication against the real server: every procedure but the public ones
 * refuses anonymous calls over HTTP and WebSocket, sessions by cookie with
 * CSRF and origin checks, the sign-in rate limit, and a revoked key losing its
 * open WebSocket subscription.
 */
type ProcedureType = 'query' | 'mutation' | 'subscription';
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } }>);
const PUBLIC = ['system.health', 'auth.status'];

let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await dropDb?.();
});

const trpcUrl = (path: string) => `${server.url}/api/trpc/${path}`;

async function callHttp(path: string, type: ProcedureType, headers: Record<string, string> = {}) {
  const res =
    type === 'mutation'
      ? await fetch(trpcUrl(path), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ json: {} }),
        })
      : await fetch(`${trpcUrl(path)}?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, { headers });
  const body = await res.json();
  return { status: res.status, code: body?.error?.json?.data?.code as string | undefined, body };
}

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = decodeURIComponent(pair!.slice(eq + 1));
  }
  return out;
}

describe('anonymous callers', () => {
  it('reach only the public procedures over HTTP', async () => {
    const reached: string[] = [];
    for (const [path, p] of procedures) {
      if (p._def.type === 'subscription') continue;
      const { status, code } = await callHttp(path, p._def.type);
      if (status !== 401 || code !== 'UNAUTHORIZED') reached.push(path);
    }
    expect(reached.sort()).toEqual([...PUBLIC].sort());
  });

  it('reach nothing but the public procedures over WebSocket, subscriptions included', async () => {
    const { client, wsClient } = createArchonWsClient(server.url, null);
    try {
      const reached: string[] = [];
      for (const [path, p] of procedures) {
        const segments = path.split('.');
        const node = segments.reduce((n: any, key) => n[key], client);
        let code: string;
        if (p._def.type === 'subscription') {
          code = await new Promise<string>((resolve) => {
            const timer = setTimeout(() => resolve('no answer'), 10_000);
            const sub = node.subscribe(
              {},
              {
                onError: (err: { data?: { code?: string } }) => {
                  clearTimeout(timer);
                  resolve(err.data?.code ?? 'error');
                },
                onData: () => {
                  clearTimeout(timer);
                  sub.unsubscribe();
                  resolve('data');
                },
              },
            );
          });
        } else {
          code = await (p._def.type === 'mutation' ? node.mutate({}) : node.query({})).then(
            () => 'ok',
            (err: { data?: { code?: string } }) => err.data?.code ?? 'error',
          );
        }
        if (code !== 'UNAUTHORIZED') reached.push(path);
      }
      expect(reached.sort()).toEqual([...PUBLIC].sort());
    } finally {
      await wsClient.close();
    }
  });

  it('cannot use the plain HTTP routes either', async () => {
    for (const [method, path] of [
      ['POST', '/api/uploads'],
      ['GET', '/api/sources/abc/export'],
      ['POST', '/api/sources/import'],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method, ...(method === 'POST' ? { body: 'x' } : {}) });
      expect(res.status, path).toBe(401);
    }
  });
});

describe('signing in with a password', () => {
  it('sets an httpOnly session cookie; mutations need the CSRF token and the same origin; logout ends it', async () => {
    const wrongOrigin = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify(TEST_OWNER),
    });
    expect(wrongOrigin.status).toBe(403);

    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_OWNER),
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.getSetCookie();
    const sessionLine = setCookie.find((c) => c.startsWith('archon_session='))!;
    expect(sessionLine).toMatch(/HttpOnly/);
    expect(sessionLine).toMatch(/SameSite=Lax/);
    expect(sessionLine).not.toMatch(/Secure/); // plain HTTP on loopback
    // The session's expiry slides on the server; the cookie must not end it 7 days after sign-in.
    expect(sessionLine).toMatch(/Max-Age=34560000/);
    const { archon_session: session, archon_csrf: csrf } = cookiesOf(login);
    const body = await login.json();
    expect(body.csrfToken).toBe(csrf);
    expect(JSON.stringify(body)).not.toContain(session);
    const cookie = `archon_session=${session}`;

    expect((await callHttp('auth.me', 'query', { cookie })).status).toBe(200);
    expect(await callHttp('projects.create', 'mutation', { cookie })).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const created = await fetch(trpcUrl('projects.create'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf! },
      body: JSON.stringify({ json: { title: 'made with a session' } }),
    });
    expect(created.status).toBe(200);
    // A page on another site cannot ride the cookie.
    expect((await callHttp('auth.me', 'query', { cookie, origin: 'https://evil.example' })).status).toBe(401);

    const logout = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie().some((c) => c.startsWith('archon_session=;') && /Max-Age=0/.test(c))).toBe(true);
    expect((await callHttp('auth.me', 'query', { cookie })).status).toBe(401);
  });

  it('refuses setup once an owner exists, and wrong passwords alike for known and unknown emails', async () => {
    const setup = await fetch(`${server.url}/api/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', password: 'another long password' }),
    });
    expect(setup.status).toBe(409);
    const known = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: TEST_OWNER.email, password: 'wrong password here' }),
    });
    const unknown = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password here' }),
    });
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect((await known.json()).error.message).toBe((await unknown.json()).error.message);
  });
});

describe('sessions over WebSocket', () => {
  it('accept the session cookie from the same origin and ignore it from another site', async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_OWNER),
    });
    expect(login.status).toBe(200);
    const cookie = `archon_session=${cookiesOf(login).archon_session}`;
    const ask = (origin: string) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/trpc-ws`, { headers: { cookie, origin } });
        const timer = setTimeout(() => reject(new Error('no answer')), 10_000);
        ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: { json: {} } } })));
        ws.on('message', (m: Buffer) => {
          const msg = JSON.parse(m.toString());
          if (msg.id !== 1) return;
          clearTimeout(timer);
          ws.close();
          resolve(msg.error ? (msg.error.json?.data?.code ?? JSON.stringify(msg.error)) : msg.result.data.json.email);
        });
        ws.on('error', reject);
      });
    expect(await ask(server.url)).toBe(TEST_OWNER.email);
    // Cross-site WebSocket hijacking: a page elsewhere opening a socket with the visitor's cookie gets nothing.
    expect(await ask('https://evil.example')).toBe('UNAUTHORIZED');
  });
});

describe('invitations', () => {
  it('turn into an account signed in with a cookie, once', async () => {
    const owner = createArchonClient(server.url);
    const { token } = await owner.client.users.invite.mutate({ email: 'new.member@example.com', role: 'member' });
    await owner.wsClient.close();
    const join = () =>
      fetch(`${server.url}/api/auth/accept-invite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password: 'member pass phrase 42', name: 'New Member' }),
      });
    const joined = await join();
    expect(joined.status).toBe(201);
    expect((await joined.json()).user).toMatchObject({ email: 'new.member@example.com', role: 'member' });
    const cookie = `archon_session=${cookiesOf(joined).archon_session}`;
    const me = await callHttp('auth.me', 'query', { cookie });
    expect(me.body.result.data.json).toMatchObject({ role: 'member', capabilities: ['read', 'write'] });
    expect((await join()).status).toBe(404);
  });
});

describe('API keys over WebSocket', () => {
  it('a revoked key loses its open subscription at once, and cannot reconnect', async () => {
    const owner = createArchonClient(server.url);
    const { key, apiKey } = await owner.client.auth.apiKeys.create.mutate({ name: 'watcher', scopes: ['read'] });
    const events: string[] = [];
    const closes: number[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/trpc-ws?connectionParams=1`);
    ws.on('close', (code) => closes.push(code));
    ws.on('message', (m: Buffer) => events.push(m.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { apiKey: key } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'jobs.onProgress', input: { json: {} } } }));
    await waitFor(() => events.some((e) => e.includes('"started"')), 10_000, 'subscription started');

    await owner.client.auth.apiKeys.revoke.mutate({ id: apiKey.id });
    await waitFor(() => closes.length > 0, 5_000, 'socket closed');
    expect(closes[0]).toBe(1008);

    const again = createArchonClient(server.url, { apiKey: key });
    await expect(again.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await again.wsClient.close();
    await owner.wsClient.close();
    // The owner's own key was untouched.
    expect((await fetch(`${trpcUrl('auth.me')}`, { headers: AUTH_HEADERS })).status).toBe(200);
  });
});

describe('WebSocket limits', () => {
  it('closes a connection that sends a message over WS_MAX_PAYLOAD_BYTES (1 MiB by default)', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/trpc-ws`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'system.health', input: { json: { pad: 'x'.repeat(1_200_000) } } } }));
    expect(await closed).toBe(1009);
    // The server itself is fine.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});

// Last: it uses up this address's sign-in budget.
describe('password guessing', () => {
  it('limits password guessing: after ten attempts from an address the answer is 429 with Retry-After', async () => {
    const email = 'guess-target@example.com';
    const attempt = () =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'not the password' }),
      });
    // Earlier tests in this file signed in from the same address, so fewer than ten guesses may be left.
    const statuses: number[] = [];
    let refused: Response | null = null;
    await clearOfWindowEdge(DEFAULT_RATE_LIMITS.login.windowMs, 10_000);
    for (let i = 0; i < 11 && !refused; i++) {
      const res = await attempt();
      statuses.push(res.status);
      if (res.status !== 401) refused = res;
    }
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThan(1);
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused!.json()).error.code).toBe('TOO_MANY_REQUESTS');
    // The limit holds for the right password too, until the window passes.
    const right = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_OWNER),
    });
    expect(right.status).toBe(429);
  });
});
