import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, startServerProcess, type ServerProcess } from '../helpers/server-process';

/** Bad requests, and the id every request is answered under. */

let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env: Record<string, string> = {};
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop();
  await dropDb?.();
});

describe('request ids', () => {
  it('answer every response with x-request-id, keeping a plain one the client sent', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const url of ['/api/health', '/', '/login', '/api/trpc/system.health', '/api/trpc/projects.list']) {
      const fresh = await fetch(`${server.url}${url}`, { redirect: 'manual' });
      await fresh.body?.cancel();
      expect(fresh.headers.get('x-request-id'), url).toMatch(uuid);
      const kept = await fetch(`${server.url}${url}`, { headers: { 'x-request-id': 'proxy-7f3a.1' }, redirect: 'manual' });
      await kept.body?.cancel();
      expect(kept.headers.get('x-request-id'), url).toBe('proxy-7f3a.1');
      const replaced = await fetch(`${server.url}${url}`, { headers: { 'x-request-id': 'not <safe>' }, redirect: 'manual' });
      await replaced.body?.cancel();
      expect(replaced.headers.get('x-request-id'), url).toMatch(uuid);
    }
  });
});
