import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';

/**
 * Bad input to any route is the caller's mistake, answered 400 with a clear
 * message: never a 500. The routes are found on disk, so a new page or route
 * handler is walked without anyone adding it here.
 */

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

/** Every page and route handler under app/, as its URL pattern ('/knowledge/pages/[id]'). */
function discoverRoutes(dir = path.join(process.cwd(), 'app'), segments: string[] = []): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      if (entry.name.startsWith('_')) return [];
      // Route groups, `(name)`, add no segment.
      return discoverRoutes(path.join(dir, entry.name), /^\(.*\)$/.test(entry.name) ? segments : [...segments, entry.name]);
    }
    return /^(page|route)\.(tsx?|jsx?)$/.test(entry.name) ? [`/${segments.join('/')}`] : [];
  });
}

const BAD_ESCAPES = ['%FF', '%', '%E0%A4%A'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];
const IDENTITIES: [string, Record<string, string>][] = [
  ['anonymous', {}],
  ['API key', AUTH_HEADERS],
];

const fill = (route: string, value: string) => route.replace(/\[[^\]]+\]/g, value);

/** Paths with a malformed escape: in each dynamic segment, as a segment of their own, and glued to the last segment. */
function malformedPaths(route: string): string[] {
  return [
    ...new Set(
      BAD_ESCAPES.flatMap((bad) => {
        const base = fill(route, 'x').replace(/\/$/, '');
        return [...(route.includes('[') ? [fill(route, bad)] : []), `${base}/${bad}`, `${base || '/'}${bad}`];
      }),
    ),
  ];
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('bad requests', () => {
  const routes = discoverRoutes();

  it('finds the pages and route handlers on disk', () => {
    expect(routes).toEqual(
      expect.arrayContaining(['/', '/knowledge/pages/[id]', '/login', '/api/sources/[id]/export', '/api/trpc/[trpc]', '/api/uploads']),
    );
  });

  it('answers a malformed percent-escape in any path with 400, whatever the method and caller', async () => {
    const cases = routes.flatMap((route) =>
      malformedPaths(route).flatMap((url) => METHODS.flatMap((method) => IDENTITIES.map(([who, headers]) => ({ url, method, who, headers })))),
    );
    expect(cases.length).toBeGreaterThan(300);
    const wrong: string[] = [];
    await inParallel(cases, 6, async ({ url, method, who, headers }) => {
      const res = await fetch(`${server.url}${url}`, { method, headers, redirect: 'manual' });
      const body = method === 'HEAD' ? '' : await res.text();
      // tRPC refuses in the error shape its clients read; the wording is the same.
      const ok = res.status === 400 && (method === 'HEAD' || /malformed percent-escape/.test(body));
      if (!ok) wrong.push(`${method} ${url} (${who}): ${res.status} ${body.slice(0, 120)}`);
      if (!res.headers.get('x-request-id')) wrong.push(`${method} ${url} (${who}): no x-request-id`);
    });
    expect(wrong).toEqual([]);
  });

  // Every route, escape, method and identity: a few thousand requests, many of them server-rendered pages.
  it('never answers 500 to a malformed escape in the query string', async () => {
    const cases = routes.flatMap((route) =>
      BAD_ESCAPES.flatMap((bad) =>
        METHODS.flatMap((method) =>
          IDENTITIES.map(([who, headers]) => ({ url: `${fill(route, 'x')}?q=${bad}&embeddings=${bad}`, method, who, headers })),
        ),
      ),
    );
    const wrong: string[] = [];
    await inParallel(cases, 6, async ({ url, method, who, headers }) => {
      const res = await fetch(`${server.url}${url}`, { method, headers, redirect: 'manual' });
      if (res.status >= 500) wrong.push(`${method} ${url} (${who}): ${res.status} ${(await res.text()).slice(0, 120)}`);
      else await res.body?.cancel();
    });
    expect(wrong).toEqual([]);
  }, 240_000);

  it('names the problem in JSON, as other route errors do', async () => {
    const res = await fetch(`${server.url}/api/sources/%FF/export`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^The URL path has a malformed percent-escape/) },
    });
    const page = await fetch(`${server.url}/knowledge/pages/%E0%A4%A`, { headers: AUTH_HEADERS });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-security-policy')).toBeTruthy();
  });

  it('refuses a tRPC body that is not superjson with a clear 400', async () => {
    for (const [url, body] of [
      ['/api/trpc/projects.create', 'null'],
      ['/api/trpc/projects.create', '"a string"'],
      ['/api/trpc/projects.create?batch=1', '{"0":null}'],
    ] as const) {
      const res = await fetch(`${server.url}${url}`, { method: 'POST', headers: { ...AUTH_HEADERS, 'content-type': 'application/json' }, body });
      expect(res.status, `${url} ${body}`).toBe(400);
      const text = await res.text();
      expect(text, `${url} ${body}`).toContain('The input must be superjson-encoded');
      expect(text).not.toMatch(/destructure|payload/);
    }
  });

  it('logged no failure for any of it', () => {
    expect(server.output()).not.toMatch(/"level":"error"/);
  });
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
