import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { waitFor } from '../helpers/wait';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    cleanups.push(db.drop);
  }
  const server = await startServerProcess(env);
  cleanups.push(() => server.stop('SIGKILL'));
  return server;
}

/**
 * Opens a POST whose body is sent in two halves, so the request is in flight until `finish()`.
 * `accepted` resolves once the server has taken the request: it answers `Expect: 100-continue`
 * as it hands the request to its handler, so the connection is no longer idle.
 */
function slowRequest(url: string, body: string) {
  const target = new URL('/api/trpc/projects.create', url);
  let resolveResponse!: (v: { status: number; body: string }) => void;
  let rejectResponse!: (e: Error) => void;
  const response = new Promise<{ status: number; body: string }>((res, rej) => {
    resolveResponse = res;
    rejectResponse = rej;
  });
  const req = http.request(target, {
    method: 'POST',
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const accepted = new Promise<void>((res) => req.once('continue', res));
  req.on('response', (res) => {
    let text = '';
    res.on('data', (d: Buffer) => (text += d.toString()));
    res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
  });
  req.on('error', rejectResponse);
  const half = Math.floor(body.length / 2);
  req.flushHeaders();
  void accepted.then(() => req.write(body.slice(0, half)));
  return { response, accepted, finish: () => req.end(body.slice(half)) };
}

describe('graceful shutdown', () => {
  it('stops accepting, tells WebSocket clients to reconnect, finishes in-flight requests, then exits 0', async () => {
    const server = await start();
    const messages: string[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/trpc-ws`);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (m: Buffer) => messages.push(m.toString()));
    await new Promise((r) => ws.once('open', r));

    const inflight = slowRequest(server.url, JSON.stringify({ json: { title: 'finished during shutdown' } }));
    await inflight.accepted;
    server.proc.kill('SIGTERM');

    await waitFor(() => messages.some((m) => JSON.parse(m).method === 'reconnect'), 5_000, 'reconnect notice');
    expect(await closed).toBe(1012);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();

    inflight.finish();
    const res = await inflight.response;
    expect(res.status).toBe(200);
    expect(res.body).toContain('finished during shutdown');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shutdown complete');
  });

  it('gives up on requests that outlive the shutdown bound and still exits cleanly', async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const stuck = slowRequest(server.url, JSON.stringify({ json: { title: 'never finished' } }));
    stuck.response.catch(() => {});
    await stuck.accepted;
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(10_000);
    expect(server.output()).toContain('shutdown timeout reached');
  });
});

describe.skipIf(testDbKind() === 'postgres')('embedded data directory', () => {
  it('refuses a second process on the same directory, and is reusable after a clean stop', async () => {
    const first = await start();
    await expect(startServerProcess({ ARCHON_DATA_DIR: first.dataDir }, 30_000)).rejects.toThrow(/in use by another Archon process/);
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await startServerProcess({ ARCHON_DATA_DIR: first.dataDir });
    cleanups.push(() => second.stop('SIGKILL'));
    const health = await (await fetch(`${second.url}/api/health`)).json();
    expect(health.database.mode).toBe('embedded');
  }, 150_000); // three embedded boots in a row; each can take tens of seconds on a loaded CI machine
});
