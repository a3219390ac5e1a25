import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlUrls } from '../../db/schema';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { enqueueUrls, MAX_LISTING_FILES } from '../../server/services/crawl/frontier';
import { MAX_SITEMAP_NESTING } from '../../server/services/crawl/process-url';
import { abandonBatch, finalizeCrawl } from '../../server/services/crawl/run-crawl';
import { startCrawl } from '../../server/services/crawl/start-crawl';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/**
 * Crawls that start at a listing file: sitemap indexes that nest without end
 * stay within the job's budgets, and pages a listing names are in scope
 * wherever the listing itself lives.
 */
let rt: TestRuntime;
let site: LoopbackSite;
let base = '';
const requests: string[] = [];

const page = (title: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>Content of ${title}. Lorem ipsum dolor sit amet.</p></main></body></html>`;
const urlset = (paths: string[]) =>
  `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<url><loc>${base}${p}</loc></url>`).join('')}</urlset>`;
const index = (paths: string[]) =>
  `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<sitemap><loc>${base}${p}</loc></sitemap>`).join('')}</sitemapindex>`;

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    requests.push(p);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (p === '/robots.txt') return send(404, 'text/plain', '');
    // An endless chain: each index names the next index and a sitemap of one page.
    const chain = /^\/chain\/(\d+)\.xml$/.exec(p);
    if (chain) return send(200, 'application/xml', index([`/chain/${Number(chain[1]) + 1}.xml`, `/chain-pages/${chain[1]}.xml`]));
    const chainPages = /^\/chain-pages\/(\d+)\.xml$/.exec(p);
    if (chainPages) return send(200, 'application/xml', urlset([`/chain-page/${chainPages[1]}`]));
    if (p === '/sitemaps/docs.xml') return send(200, 'application/xml', urlset(['/docs/p1', '/docs/p2']));
    if (p === '/files/llms.txt') return send(200, 'text/plain', `# Docs\n\n- [One](${base}/docs/p1)\n- [Two](/docs/p2)\n`);
    if (/^\/(docs|chain-page)\/[\w-]+$/.test(p)) return send(200, 'text/html', page(p));
    send(404, 'text/plain', 'nope');
  });
  base = site.base;
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

// Bounded: a crawl that never ends fails here instead of hanging the suite.
const crawlToEnd = async (input: Parameters<TestRuntime['caller']['knowledge']['crawl']>[0]) =>
  jobSettled(rt, (await rt.caller.knowledge.crawl(input)).id);
const frontier = async (jobId: string) => rt.database.db.select().from(crawlUrls).where(eq(crawlUrls.jobId, jobId));

describe('sitemap indexes', () => {
  it('an endless chain of indexes ends by itself within maxPages', async () => {
    const job = await crawlToEnd({ url: `${base}/chain/0.xml`, mode: 'sitemap', maxPages: 3 });
    expect(job).toMatchObject({ status: 'completed', pagesFetched: 3 });
    const urls = await frontier(job.id);
    expect(urls.filter((u) => u.kind === 'page')).toHaveLength(3);
    expect(urls.filter((u) => u.kind === 'sitemap').length).toBeLessThanOrEqual(2 * (MAX_SITEMAP_NESTING + 1));
    expect(urls.every((u) => u.status !== 'pending')).toBe(true);
  });

  it('stops enqueueing listing files once the page budget is full', async () => {
    const job = await crawlToEnd({ url: `${base}/chain/0.xml`, mode: 'sitemap', maxPages: 1, scope: 'host' });
    expect(job).toMatchObject({ status: 'completed', pagesFetched: 1 });
    const sitemaps = (await frontier(job.id))
      .filter((u) => u.kind === 'sitemap')
      .map((u) => new URL(u.url).pathname)
      .sort();
    // chain/1 queued the one page the budget allows; what chain/2 and chain-pages/1 name is not fetched.
    expect(sitemaps).toEqual(['/chain-pages/0.xml', '/chain-pages/1.xml', '/chain/0.xml', '/chain/1.xml', '/chain/2.xml']);
  });

  it(`does not follow indexes nested deeper than ${MAX_SITEMAP_NESTING} levels, whatever the page budget`, async () => {
    const job = await crawlToEnd({ url: `${base}/chain/0.xml`, mode: 'sitemap', maxPages: 1000, scope: 'host' });
    expect(job.status).toBe('completed');
    const urls = await frontier(job.id);
    const indexes = urls
      .filter((u) => /\/chain\/\d+\.xml$/.test(u.url))
      .map((u) => u.depth)
      .sort();
    expect(indexes).toEqual([0, 1, 2, 3]);
    expect(urls.find((u) => u.url.endsWith(`/chain/${MAX_SITEMAP_NESTING}.xml`))?.reason).toMatch(/nested deeper than 3 levels/);
    expect(urls.filter((u) => u.kind === 'page')).toHaveLength(MAX_SITEMAP_NESTING);
  });

  it(`enqueues at most ${MAX_LISTING_FILES} listing files per job`, async () => {
    // A job of its own, so nothing crawls the listing files enqueued here.
    const job = await crawlToEnd({ url: `${base}/docs/p1`, mode: 'single' });
    const many = Array.from({ length: MAX_LISTING_FILES + 10 }, (_, i) => ({ url: `${base}/many/${i}.xml`, depth: 1, kind: 'sitemap' as const }));
    const ids = await enqueueUrls(rt.database.db, job.id, many, 10);
    expect(ids).toHaveLength(MAX_LISTING_FILES);
    expect(await enqueueUrls(rt.database.db, job.id, [{ url: `${base}/one-more.xml`, depth: 1, kind: 'sitemap' }], 10)).toEqual([]);
    // Pages still fit the page budget.
    expect(await enqueueUrls(rt.database.db, job.id, [{ url: `${base}/docs/p2`, depth: 1, kind: 'page' }], 10)).toHaveLength(1);
  });
});

describe('listing files in a subdirectory', () => {
  it('a sitemap in /sitemaps/ crawls the pages it lists elsewhere on its site', async () => {
    const job = await crawlToEnd({ url: `${base}/sitemaps/docs.xml` });
    expect(job).toMatchObject({ status: 'completed', pagesFetched: 2 });
    const done = (await frontier(job.id))
      .filter((u) => u.status === 'done')
      .map((u) => new URL(u.url).pathname)
      .sort();
    expect(done).toEqual(['/docs/p1', '/docs/p2', '/sitemaps/docs.xml']);
  });

  it('so does an llms.txt in /files/', async () => {
    const job = await crawlToEnd({ url: `${base}/files/llms.txt` });
    expect(job.status).toBe('completed');
    const done = (await frontier(job.id))
      .filter((u) => u.status === 'done')
      .map((u) => new URL(u.url).pathname)
      .sort();
    expect(done).toEqual(['/docs/p1', '/docs/p2', '/files/llms.txt']);
  });
});

describe('a start listing file that cannot be fetched', () => {
  it.each([
    ['sitemap', 'sitemap.xml'],
    ['llms-txt', 'llms.txt'],
  ] as const)('fails a %s crawl with counts that agree: no page failed, one listing file did', async (mode, file) => {
    // Port 9 on loopback is not in CRAWL_ALLOWED_HOSTS: the address check refuses it.
    const job = await crawlToEnd({ url: `http://127.0.0.1:9/${file}`, mode });
    expect(job).toMatchObject({ status: 'failed', pagesDiscovered: 0, pagesFailed: 0 });
    expect(job.error).toMatch(/^1 listing file\(s\) failed: .*127\.0\.0\.1 is a loopback address/);
    expect(job.error).not.toMatch(/URL\(s\) failed/);
  });
});

describe('a batch given up after its retries', () => {
  it('counts its pages as failed, and the error of the job counts pages and listing files as its counters do', async () => {
    const noDispatch = async () => {};
    const job = await startCrawl(rt.database.db, noDispatch, crawlInputSchema.parse({ url: `${base}/given-up/`, mode: 'sitemap' }));
    const ids = await enqueueUrls(
      rt.database.db,
      job.id,
      [
        { url: `${base}/given-up/sitemap.xml`, kind: 'sitemap', depth: 0 },
        { url: `${base}/given-up/a`, kind: 'page', depth: 1 },
        { url: `${base}/given-up/b`, kind: 'page', depth: 1 },
      ],
      1000,
    );
    await abandonBatch(rt.ingest, job.id, ids, 'boom');
    // Again, as a replayed step would: nothing is counted twice.
    await abandonBatch(rt.ingest, job.id, ids, 'boom');
    expect(await rt.caller.jobs.get({ id: job.id })).toMatchObject({ pagesDiscovered: 2, pagesFailed: 2 });
    const done = await finalizeCrawl(rt.ingest, job.id);
    expect(done).toMatchObject({ status: 'failed', pagesFailed: 2, error: '2 URL(s) and 1 listing file(s) failed: boom (3)' });
  });
});
