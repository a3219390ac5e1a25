import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlUrls, jobEvents } from '../../db/schema';
import { type Answer, type SmallServer, startSmallServer } from '../fixtures/small-server';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/** A site of `n` pages under /docs/, the index linking to each (and to /docs/busy when `busy` answers it), each page to its neighbours. */
function docsSite(n: number, busy?: (pathname: string) => Answer | undefined) {
  const page = (i: number) =>
    `<!doctype html><html><head><title>Page ${i}</title></head><body><main><h1>Page ${i}</h1>` +
    `<p>Page ${i} explains widget number ${i} and how it frobnicates its ${i * 7} sprockets.</p>` +
    `<p><a href="/docs/p${(i + 1) % n}">next</a> <a href="/docs/p${(i + n - 1) % n}">previous</a></p></main></body></html>`;
  const index = `<!doctype html><html><head><title>Docs</title></head><body><main><h1>Docs</h1><p>Every page of the docs.</p><ul>${Array.from(
    { length: n },
    (_, i) => `<li><a href="/docs/p${i}">Page ${i}</a></li>`,
  ).join('')}${busy ? '<li><a href="/docs/busy">Busy</a></li>' : ''}</ul></main></body></html>`;
  return (pathname: string): Answer => {
    const special = busy?.(pathname);
    if (special) return special;
    if (pathname === '/docs/') return { status: 200, headers: { 'content-type': 'text/html' }, body: index };
    const m = /^\/docs\/p(\d+)$/.exec(pathname);
    if (m && Number(m[1]) < n) return { status: 200, headers: { 'content-type': 'text/html' }, body: page(Number(m[1])) };
    return { status: 404, body: 'not found' };
  };
}

/** /docs/busy: answers `status` with Retry-After: 1 the first time, then the page; `times` records when it was asked. */
const busyPage = (status: number) => {
  const times: number[] = [];
  const answer = (pathname: string): Answer | undefined => {
    if (pathname !== '/docs/busy') return undefined;
    times.push(Date.now());
    if (times.length === 1) return { status, headers: { 'retry-after': '1', 'content-type': 'text/plain' }, body: 'busy, come back later' };
    return {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><body><main><h1>Busy</h1><p>Worth the wait.</p></main></body></html>',
    };
  };
  return { times, answer };
};

let rt: TestRuntime;
const servers: SmallServer[] = [];
const hosts: string[] = [];

beforeAll(async () => {
  // Ports are only known once the servers listen; allow the whole loopback block by range instead.
  hosts.push('127.0.0.1/32');
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: hosts.join(','), EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function crawl(server: SmallServer, concurrency: number) {
  const { id } = await rt.caller.knowledge.crawl({ url: `${server.url}/docs/`, mode: 'recursive', maxDepth: 3, concurrency, respectRobots: false });
  const job = await jobSettled(rt, id, 90_000);
  const logs = (
    await rt.database.db
      .select()
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, id), eq(jobEvents.kind, 'log')))
  ).map((e) => (e.payload as { message: string }).message);
  const urls = await rt.database.db
    .select({ url: crawlUrls.url, status: crawlUrls.status, reason: crawlUrls.reason })
    .from(crawlUrls)
    .where(eq(crawlUrls.jobId, id));
  return { job, logs, urls };
}

describe('crawling a small server politely', () => {
  it('crawls a server that drops connections beyond two at once without a failed page, honouring a 429 Retry-After', async () => {
    const busy = busyPage(429);
    // Concurrency 8 against a server that takes two connections at a time, one request each.
    const server = await startSmallServer({ backlog: 5, maxConnections: 2, delayMs: 5 }, docsSite(60, busy.answer));
    servers.push(server);
    const { job, logs, urls } = await crawl(server, 8);

    expect(urls.filter((u) => u.status !== 'done')).toEqual([]);
    expect(job).toMatchObject({ status: 'completed', pagesFailed: 0, pagesFetched: 62 });
    // The 429 asked for a second's pause: the page was asked again, no sooner.
    expect(busy.times).toHaveLength(2);
    expect(busy.times[1]! - busy.times[0]!).toBeGreaterThanOrEqual(950);
    // The server did drop connections: the crawl was pushed back, and retried.
    expect((await server.counts()).dropped).toBeGreaterThan(0);
    const politeness = logs.find((m) => m.startsWith('Politeness:'));
    expect(politeness).toMatch(/requests\/s\), [1-9][\d,]* retr(y|ies) \(overload signals: [^)]*HTTP 429 1/);
    expect(politeness).toMatch(/concurrency reached \d+/);
  });

  it('waits out a 503 Retry-After the same way', async () => {
    const busy = busyPage(503);
    const server = await startSmallServer({ maxConnections: 50, keepAlive: true }, docsSite(5, busy.answer));
    servers.push(server);
    const { job } = await crawl(server, 4);
    expect(job).toMatchObject({ status: 'completed', pagesFailed: 0, pagesFetched: 7 });
    expect(busy.times[1]! - busy.times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('reuses kept-alive connections: a crawl opens about as many connections as its concurrency, not one per page', async () => {
    const server = await startSmallServer({ maxConnections: 100, keepAlive: true, delayMs: 2 }, docsSite(80));
    servers.push(server);
    const { job, logs } = await crawl(server, 3);
    expect(job).toMatchObject({ status: 'completed', pagesFailed: 0, pagesFetched: 81 });
    const counts = await server.counts();
    expect(counts.requests).toBeGreaterThanOrEqual(81);
    // Two batches run at once, but they share the host's limit of 3.
    expect(counts.connections).toBeLessThanOrEqual(3);
    expect(counts.maxOpen).toBeLessThanOrEqual(3);
    const politeness = logs.find((m) => m.startsWith('Politeness:'));
    expect(politeness).toMatch(/0 retries, concurrency reached [1-3] \(host limit now 3\), [1-3] connections? opened/);
  });
});
