import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_RATE_LIMITS } from '../../server/services/security/rate-limit';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { clearOfWindowEdge } from '../helpers/rate-window';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Limits that credentials and callers must not step around: streams end with
 * their credentials, the plain upload routes count against the upload limit
 * and bound bodies that declare no length, and behind a trusted proxy the
 * client cannot choose the address that rate limits see.
 */
let server: ServerProcess;
let owner: ReturnType<typeof createArchonClient>;
let dropDb: (() => Promise<void>) | undefined;
const UPLOAD_LIMIT = { files: 2, bytes: 100_000 };

beforeAll(async () => {
  const env: Record<string, string> = {
    EMBEDDING_DIMENSIONS: '64',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    RATE_LIMIT_UPLOAD_PER_MINUTE: '2',
    UPLOAD_MAX_FILES: String(UPLOAD_LIMIT.files),
    UPLOAD_MAX_FILE_BYTES: String(UPLOAD_LIMIT.bytes),
  };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
  owner = createArchonClient(server.url);
});
afterAll(async () => {
  await owner?.wsClient.close();
  await server?.stop('SIGKILL');
  await dropDb?.();
});

const keyWith = async (scopes: ('read' | 'write' | 'admin')[], expiresAt?: Date) =>
  (await owner.client.auth.apiKeys.create.mutate({ name: `key ${scopes.join('+')}`, scopes, expiresAt })).key;
const markdownForm = (name: string) => {
  const form = new FormData();
  form.append('file', new Blob([`# ${name}\n\nSome text.`]), `${name}.md`);
  return form;
};

describe('credentials and streams', () => {
  it('auth.me answers any key, whatever its scope', async () => {
    const key = await keyWith(['read']);
    const res = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).result.data.json).toMatchObject({ kind: 'api-key', capabilities: ['read'] });
  });

  it('refuses subscriptions over HTTP, where revoking the key could not end them', async () => {
    const res = await fetch(`${server.url}/api/trpc/tasks.onChange?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, {
      headers: AUTH_HEADERS,
    });
    const body = await res.text();
    expect(res.status).toBe(405);
    expect(body).toContain('/api/trpc-ws');
  });

  it('closes a WebSocket when its key expires', async () => {
    // Long enough to open, authenticate and answer on a loaded machine before the key expires.
    const expiresAt = new Date(Date.now() + 8_000);
    const key = await keyWith(['read'], expiresAt);
    const closes: number[] = [];
    let closedAt = 0;
    const answers: string[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/trpc-ws?connectionParams=1`);
    ws.on('close', (code) => {
      closes.push(code);
      closedAt = Date.now();
    });
    ws.on('message', (m: Buffer) => answers.push(m.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { apiKey: key } }));
    ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: { json: {} } } }));
    await waitFor(() => answers.some((a) => a.includes('"kind":"api-key"')), 10_000, 'answered while the key is valid');
    await waitFor(() => closes.length > 0, 10_000, 'closed at expiry');
    expect(closes[0]).toBe(1008);
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt.getTime());
  });
});

describe('plain upload routes', () => {
  it('count against the upload limit, the import route included', async () => {
    const key = await keyWith(['write']);
    const headers = { authorization: `Bearer ${key}` };
    const statuses: number[] = [];
    await clearOfWindowEdge(DEFAULT_RATE_LIMITS.upload.windowMs, 10_000);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers, body: markdownForm(`doc${i}`) });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([202, 202, 429]);
    const imported = await fetch(`${server.url}/api/sources/import`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/gzip' },
      body: new Uint8Array(10),
    });
    expect(imported.status).toBe(429);
    expect(Number(imported.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuse a body without Content-Length once it passes the bound, instead of reading it whole', async () => {
    const key = await keyWith(['write']);
    const boundary = 'archon-test-boundary';
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.md"\r\nContent-Type: text/markdown\r\n\r\n`,
    );
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    const limit = UPLOAD_LIMIT.files * UPLOAD_LIMIT.bytes + (1 << 20);
    let sent = 0;
    // Far more than the bound, sent chunked: nothing declares the length.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(head);
      },
      pull(c) {
        if (sent >= 32 * chunk.length) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toContain(String(limit));
  });
});

describe('behind a trusted proxy', () => {
  it('takes the address the proxy appended to X-Forwarded-For, not one the client put first', async () => {
    const statuses: number[] = [];
    await clearOfWindowEdge(DEFAULT_RATE_LIMITS.login.windowMs, 10_000);
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${i}.1, 203.0.113.7` },
        body: JSON.stringify({ email: `nobody${i}@example.com`, password: 'not the password at all' }),
      });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
