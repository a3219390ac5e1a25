import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Family, metricValue, parsePrometheus } from '../helpers/prometheus';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * The built server: /api/metrics behind its token, the HTTP and WebSocket
 * metrics only the real server records, and its log: JSON lines that carry the
 * request id and the caller, with a canary secret from the configuration and
 * from request headers nowhere in them.
 */

const CANARY = `canary${randomBytes(12).toString('hex')}`;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;

describe.skipIf(process.env.ARCHON_TEST_DB === 'postgres')('the running server', () => {
  let server: ServerProcess;
  let archon: ReturnType<typeof createArchonClient>;
  beforeAll(async () => {
    server = await startServerProcess(
      {
        LOG_LEVEL: 'debug',
        METRICS_TOKEN,
        // Canaries in settings the log could echo: a secret, a provider key and a password.
        ARCHON_SECRET: `${CANARY}-archon-secret-0123456789`,
        RERANK_API_KEY: `rk-${CANARY}`,
        ARCHON_OWNER_PASSWORD: `pw-${CANARY}`,
      },
      120_000,
    );
    archon = createArchonClient(server.url);
  }, 150_000);
  afterAll(async () => {
    await archon?.wsClient.close();
    await server?.stop('SIGKILL');
  });

  const scrape = async (): Promise<Family[]> => {
    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return parsePrometheus(await res.text());
  };

  it('serves /api/metrics to its token or an admin key only', async () => {
    const anonymous = await fetch(`${server.url}/api/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${CANARY}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/metrics`, { headers: AUTH_HEADERS })).status).toBe(200);
    const families = await scrape();
    expect(metricValue(families, 'archon_database_up')).toBe(1);
  });

  it('counts HTTP requests, tRPC calls over HTTP, WebSocket connections and subscriptions', async () => {
    const before = await scrape();
    await archon.client.jobs.list.query({});
    await fetch(`${server.url}/api/health`);
    const sub = archon.client.jobs.onProgress.subscribe({}, { onData: () => {} });
    try {
      const during = await waitFor(
        async () => {
          const f = await scrape();
          return metricValue(f, 'archon_ws_subscriptions', { procedure: 'jobs.onProgress' }) === 1 ? f : null;
        },
        10_000,
        'the subscription to be counted',
      );
      expect(metricValue(during, 'archon_ws_connections')).toBeGreaterThanOrEqual(1);
      const delta = (name: string, labels: Record<string, string>) => metricValue(during, name, labels) - metricValue(before, name, labels);
      expect(delta('archon_trpc_calls_total', { procedure: 'jobs.list', transport: 'http', code: 'OK' })).toBe(1);
      expect(delta('archon_trpc_calls_total', { procedure: 'jobs.onProgress', transport: 'ws', type: 'subscription' })).toBe(1);
      expect(delta('archon_http_requests_total', { route: '/api/health', method: 'GET', status: '200' })).toBe(1);
      expect(delta('archon_http_requests_total', { route: '/api/trpc', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(delta('archon_http_request_duration_seconds', { route: '/api/metrics' })).toBeGreaterThanOrEqual(1);
    } finally {
      sub.unsubscribe();
    }
    await waitFor(
      async () => metricValue(await scrape(), 'archon_ws_subscriptions', { procedure: 'jobs.onProgress' }) === 0 || null,
      10_000,
      'the subscription to end',
    );
  });

  it('logs JSON lines with the request id and the caller, and never a secret', async () => {
    const requestId = `e2e-${randomBytes(4).toString('hex')}`;
    const me = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { ...AUTH_HEADERS, 'x-request-id': requestId } });
    expect(me.status).toBe(200);
    const who = ((await me.json()) as { result: { data: { json: { userId: string } } } }).result.data.json;
    // Secrets in headers: a bad key, a session cookie, a CSRF token.
    await fetch(`${server.url}/api/trpc/auth.me`, {
      headers: { authorization: `Bearer ${CANARY}`, cookie: `archon_session=${CANARY}`, 'x-csrf-token': CANARY, 'x-request-id': `${requestId}-bad` },
    });

    const lines = await waitFor(
      async () => {
        const json = server
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return json.some((l) => l.requestId === `${requestId}-bad` && l.msg === 'request') ? json : null;
      },
      10_000,
      'the request lines',
    );
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    const mine = lines.find((l) => l.requestId === requestId && l.msg === 'request');
    expect(mine).toMatchObject({ userId: who.userId, keyId: expect.any(String), route: '/api/trpc', status: 200, method: 'GET' });
    expect(server.output()).not.toContain(CANARY);
  });
});
