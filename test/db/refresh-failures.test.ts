import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlUrls, pages } from '../../db/schema';
import { UNASKED_NOT_MODIFIED } from '../../server/services/crawl/process-url';
import { jobLogText } from '../helpers/job-stream';
import { htmlLinks, htmlPage, type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/**
 * A refresh never loses stored pages because fetches failed: a start page it
 * could not crawl, an inner page answering 503, a redirect source failing, a
 * robots.txt it could not read. And a 304 nobody asked for fails that URL
 * alone. The site is served on 127.0.0.1; `down` switches its failures on.
 */
let rt: TestRuntime;
let site: LoopbackSite;
let base = '';
const down = {
  hub: false,
  startRedirect: false,
  redirectSource: false,
  redirectRetargeted: false,
  robots: false,
  newWeirdLink: false,
  robotsCloseOld: false,
};

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    const send = (status: number, body = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end(body);
    };
    if (p === '/robots.txt') {
      if (down.robots) return send(503, 'busy');
      return send(200, `User-agent: *\n${down.robotsCloseOld ? 'Disallow: /moved/old\n' : ''}Allow: /\n`, { 'content-type': 'text/plain' });
    }
    // An inner page that alone links to h1 and h2.
    if (p === '/hub/') return send(200, htmlPage('Hub home', htmlLinks('/hub/hub', '/hub/p1')));
    if (p === '/hub/hub') return down.hub ? send(503, 'down') : send(200, htmlPage('Hub', htmlLinks('/hub/h1', '/hub/h2')));
    // A start page that may redirect to a maintenance page outside the crawl scope.
    if (p === '/away/' && down.startRedirect) return send(302, '', { location: `${base}/maintenance` });
    if (p === '/away/') return send(200, htmlPage('Away home', htmlLinks('/away/x', '/away/y')));
    // A page stored under its redirect target.
    if (p === '/moved/') return send(200, htmlPage('Moved home', htmlLinks('/moved/old', '/moved/p1')));
    if (p === '/moved/old' && down.redirectSource) return send(503, 'down');
    if (p === '/moved/old') return send(301, '', { location: `${base}/moved/${down.redirectRetargeted ? 'p1' : 'new'}` });
    // A site that answers 304 to requests that carry no validators.
    if (p === '/nm/') return send(200, htmlPage('NM home', htmlLinks('/nm/ok', '/nm/weird', ...(down.newWeirdLink ? ['/nm/weird2'] : []))));
    if (p === '/nm/weird' || p === '/nm/weird2') return send(304);
    if (p === '/maintenance') return send(200, htmlPage('Maintenance', 'We will be back soon.'));
    if (/^\/(hub|away|moved|robots|nm)\/[\w-]+$/.test(p)) return send(200, htmlPage(p, `Content of ${p}.`));
    if (p === '/robots/') return send(200, htmlPage('Robots home', htmlLinks('/robots/x', '/robots/y')));
    send(404, 'nope');
  });
  base = site.base;
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const finished = (r: TestRuntime, jobId: string) => jobSettled(r, jobId, 60_000);
const crawl = async (path: string, r = rt) =>
  finished(r, (await r.caller.knowledge.crawl({ url: `${base}${path}`, mode: 'recursive', maxDepth: 3 })).id);
const stored = async (sourceId: string) =>
  (await rt.database.db.select({ url: pages.url }).from(pages).where(eq(pages.sourceId, sourceId))).map((p) => new URL(p.url).pathname).sort();
const frontier = async (jobId: string) =>
  new Map((await rt.database.db.select().from(crawlUrls).where(eq(crawlUrls.jobId, jobId))).map((u) => [new URL(u.url).pathname, u]));
const jobLog = (jobId: string) => jobLogText(rt.database.db, jobId);

/**
 * Runs `fn` in what stands for a new process on the same database: its own
 * runner, the only one running, with nothing cached (robots.txt included).
 */
async function inFreshProcess<T>(fn: (r: TestRuntime) => Promise<T>): Promise<T> {
  await rt.runner?.stop(2_000);
  const fresh = await createTestRuntime({ runner: true, database: rt.database, env: { CRAWL_ALLOWED_HOSTS: site.host } });
  try {
    return await fn(fresh);
  } finally {
    await fresh.runner?.stop(2_000);
    await fresh.pubsub.close();
  }
}

describe('a refresh that meets failures keeps what it stored', () => {
  it('keeps the pages only a failing inner page links to, and walks on from its stored links', async () => {
    const first = await crawl('/hub/');
    expect(first.status).toBe('completed');
    const before = await stored(first.sourceId!);
    expect(before).toEqual(['/hub/', '/hub/h1', '/hub/h2', '/hub/hub', '/hub/p1']);

    down.hub = true;
    const refresh = await finished(rt, (await rt.caller.knowledge.refresh({ id: first.sourceId! })).id);
    down.hub = false;
    expect(refresh).toMatchObject({ status: 'completed', error: expect.stringContaining('HTTP 503') });
    expect(await stored(first.sourceId!)).toEqual(before);
    const urls = await frontier(refresh.id);
    expect(urls.get('/hub/hub')).toMatchObject({ status: 'failed', httpStatus: 503 });
    // Reached through the stored links of the page that failed, so refreshed too.
    expect(urls.get('/hub/h1')?.status).toBe('done');
    expect(await jobLog(refresh.id)).toMatch(/Pages this refresh did not reach were kept: 1 URL\(s\) could not be fetched/);
  });

  it('keeps everything when the start page redirects out of scope', async () => {
    const first = await crawl('/away/');
    const before = await stored(first.sourceId!);
    expect(before).toEqual(['/away/', '/away/x', '/away/y']);

    down.startRedirect = true;
    const refresh = await finished(rt, (await rt.caller.knowledge.refresh({ id: first.sourceId! })).id);
    down.startRedirect = false;
    expect(await stored(first.sourceId!)).toEqual(before);
    expect((await frontier(refresh.id)).get('/away/')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^redirected outside the crawl scope/),
    });
    expect(await jobLog(refresh.id)).toMatch(/kept: the start URL \S+\/away\/ was skipped \(redirected outside the crawl scope/);
  });

  it('keeps a page stored under a redirect target when the redirect source fails', async () => {
    const first = await crawl('/moved/');
    const before = await stored(first.sourceId!);
    expect(before).toEqual(['/moved/', '/moved/new', '/moved/p1']);

    down.redirectSource = true;
    const refresh = await finished(rt, (await rt.caller.knowledge.refresh({ id: first.sourceId! })).id);
    down.redirectSource = false;
    expect(refresh.status).toBe('completed');
    expect(await stored(first.sourceId!)).toEqual(before);
  });

  it('still removes a page that is no longer linked when nothing failed', async () => {
    const first = await crawl('/moved/');
    // The redirect now ends at /moved/p1, so nothing links to /moved/new any more.
    down.redirectRetargeted = true;
    try {
      const refresh = await finished(rt, (await rt.caller.knowledge.refresh({ id: first.sourceId! })).id);
      expect(refresh.status).toBe('completed');
      expect(await stored(first.sourceId!)).toEqual(['/moved/', '/moved/p1']);
      expect(await jobLog(refresh.id)).toMatch(/1 page\(s\) removed: no longer linked/);
    } finally {
      down.redirectRetargeted = false;
    }
  });
});

describe('a 304 answer to an unconditional request', () => {
  it('fails that URL alone, on a first crawl and for a new URL on refresh', async () => {
    const first = await crawl('/nm/');
    expect(first.status).toBe('completed');
    const urls = await frontier(first.id);
    expect(urls.get('/nm/weird')).toMatchObject({ status: 'failed', reason: UNASKED_NOT_MODIFIED, httpStatus: 304 });
    // Crawled in the same batch as the 304.
    expect(urls.get('/nm/ok')?.status).toBe('done');
    expect(await stored(first.sourceId!)).toEqual(['/nm/', '/nm/ok']);

    down.newWeirdLink = true;
    const refresh = await finished(rt, (await rt.caller.knowledge.refresh({ id: first.sourceId! })).id);
    down.newWeirdLink = false;
    expect(refresh.status).toBe('completed');
    const again = await frontier(refresh.id);
    expect(again.get('/nm/weird2')).toMatchObject({ status: 'failed', reason: UNASKED_NOT_MODIFIED });
    expect(again.get('/nm/ok')?.status).toBe('done');
    expect(await stored(first.sourceId!)).toEqual(['/nm/', '/nm/ok']);
  });
});

describe('a refresh while robots.txt is unreachable', () => {
  it('fails the job and keeps every page', async () => {
    const first = await crawl('/robots/');
    const before = await stored(first.sourceId!);
    expect(before).toEqual(['/robots/', '/robots/x', '/robots/y']);

    // robots.txt now answers 503, and a new process has not cached it.
    down.robots = true;
    try {
      await inFreshProcess(async (rt2) => {
        const refresh = await finished(rt2, (await rt2.caller.knowledge.refresh({ id: first.sourceId! })).id);
        expect(refresh).toMatchObject({ status: 'failed', error: expect.stringContaining('robots.txt could not be fetched (HTTP 503)') });
        expect(await stored(first.sourceId!)).toEqual(before);
        expect(await jobLog(refresh.id)).toMatch(/Pages this refresh did not reach were kept/);
      });
    } finally {
      down.robots = false;
    }
  });
});

describe('a refresh that robots.txt now keeps from a redirect source', () => {
  it('keeps the page stored under its target, which the source may still lead to', async () => {
    const first = await inFreshProcess((r) => crawl('/moved/', r));
    const urls = await stored(first.sourceId!);
    expect(urls).toEqual(['/moved/', '/moved/new', '/moved/p1']);
    down.robotsCloseOld = true;
    try {
      await inFreshProcess(async (r) => {
        const refresh = await finished(r, (await r.caller.knowledge.refresh({ id: first.sourceId! })).id);
        expect(refresh.status).toBe('completed');
        expect((await frontier(refresh.id)).get('/moved/old')).toMatchObject({ status: 'skipped', reason: 'disallowed by robots.txt' });
        expect(await stored(first.sourceId!)).toEqual(urls);
      });
    } finally {
      down.robotsCloseOld = false;
    }
  });
});
