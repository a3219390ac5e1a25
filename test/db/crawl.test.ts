import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, crawlUrls, pages } from '../../db/schema';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const crawlToEnd = async (input: Parameters<TestRuntime['caller']['knowledge']['crawl']>[0]) =>
  jobSettled(rt, (await rt.caller.knowledge.crawl(input)).id);

async function frontier(jobId: string) {
  return rt.database.db
    .select({ url: crawlUrls.url, status: crawlUrls.status, reason: crawlUrls.reason, depth: crawlUrls.depth })
    .from(crawlUrls)
    .where(eq(crawlUrls.jobId, jobId))
    .orderBy(asc(crawlUrls.id));
}

describe('crawling a documentation site', () => {
  it('crawls recursively within the prefix, honouring robots.txt and normalising URLs', async () => {
    const job = await crawlToEnd({ url: `${site.url}/docs/`, maxDepth: 2, mode: 'recursive' });
    expect(job.status).toBe('completed');
    const urls = await frontier(job.id);
    const byUrl = new Map(urls.map((u) => [u.url.replace(site.url, ''), u]));
    expect(byUrl.get('/docs/')?.status).toBe('done');
    expect(byUrl.get('/docs/a')?.status).toBe('done');
    expect(byUrl.get('/docs/private/secret')).toMatchObject({ status: 'skipped', reason: 'disallowed by robots.txt' });
    expect([...byUrl.keys()].some((u) => u.includes('utm_source') || u.includes('#'))).toBe(false);
    expect([...byUrl.keys()].some((u) => u.startsWith('/blog') || u.includes('external'))).toBe(false);
    expect(byUrl.has('/docs/c/deep')).toBe(false);

    const stored = await rt.database.db
      .select({ url: pages.url, title: pages.title, content: pages.content })
      .from(pages)
      .where(eq(pages.sourceId, job.sourceId!));
    const a = stored.find((p) => p.url.endsWith('/docs/a'))!;
    expect(a.title).toContain('Guide A');
    expect(a.content).toContain('```typescript');
    expect(a.content).toMatch(/\| *Option *\| *Default *\|/);
    expect(a.content).not.toContain('Copyright Fixture Docs');

    const chunkRows = await rt.database.db.select().from(chunks).where(eq(chunks.sourceId, job.sourceId!));
    expect(chunkRows.length).toBe(job.chunksStored);
    expect(chunkRows.every((c) => c.embedding?.length === 256 && c.embeddingDim === 256 && c.embeddingModel === 'archon-hash-v2')).toBe(true);
    expect(job).toMatchObject({ pagesFailed: 0, embeddingsFailed: 0 });
    expect(job.pagesFetched).toBe(urls.filter((u) => u.status === 'done').length);
  });

  it('bounds a crawl trap by max pages and depth', async () => {
    const job = await crawlToEnd({ url: `${site.url}/docs/calendar/2026-01`, maxDepth: 10, maxPages: 7, mode: 'recursive', scope: 'prefix' });
    expect(job.status).toBe('completed');
    const urls = await frontier(job.id);
    expect(urls.length).toBe(7);
    expect(job.pagesDiscovered).toBe(7);
  });

  it('follows sitemap indexes, including gzipped sitemaps', async () => {
    const job = await crawlToEnd({ url: `${site.url}/sitemap_index.xml`, scope: 'host' });
    expect(job.status).toBe('completed');
    const done = (await frontier(job.id)).filter((u) => u.status === 'done').map((u) => u.url.replace(site.url, ''));
    expect(done).toEqual(
      expect.arrayContaining(['/sitemap_index.xml', '/sitemaps/one.xml', '/sitemaps/two.xml.gz', '/docs/a', '/docs/b', '/docs/c/deep']),
    );
    expect(job.pagesFetched).toBe(3);
  });

  it('follows llms.txt links in scope and splits llms-full.txt at H1', async () => {
    const llms = await crawlToEnd({ url: `${site.url}/llms.txt`, scope: 'host' });
    const llmsUrls = (await frontier(llms.id)).map((u) => u.url.replace(site.url, ''));
    expect(llmsUrls).toEqual(['/llms.txt', '/md/one.md', '/md/two.md']);

    const full = await crawlToEnd({ url: `${site.url}/llms-full.txt` });
    const sections = await rt.database.db.select({ url: pages.url, title: pages.title }).from(pages).where(eq(pages.sourceId, full.sourceId!));
    expect(sections.map((s) => s.title)).toEqual(expect.arrayContaining(['Getting started', 'Configuration']));
    expect(sections.every((s) => /#section-\d+-/.test(s.url))).toBe(true);
    expect(full.pagesFetched).toBe(sections.length);
  });

  it('records redirects, loops, blocked hops, timeouts, errors, binary and oversized responses per URL', async () => {
    const job = await crawlToEnd({
      url: `${site.url}/trouble/`,
      mode: 'recursive',
      maxDepth: 2,
      scope: 'host',
      timeoutMs: 1000,
      maxBytes: 1_000_000,
    });
    expect(job.status).toBe('completed');
    const byUrl = new Map((await frontier(job.id)).map((u) => [u.url.replace(site.url, ''), u]));
    expect(byUrl.get('/redirect/1')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^duplicate of .*\/docs\/a$/) });
    expect(byUrl.get('/loop/a')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/loop/i) });
    expect(byUrl.get('/to-metadata')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/169\.254\.169\.254.*metadata/) });
    expect(byUrl.get('/slow')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/tim(e|ed) ?out/i) });
    expect(byUrl.get('/500')).toMatchObject({ status: 'failed', reason: 'HTTP 500' });
    expect(byUrl.get('/missing')).toMatchObject({ status: 'failed', reason: 'HTTP 404' });
    expect(byUrl.get('/binary.bin')).toBeUndefined();
    expect(byUrl.get('/huge')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/too large|exceeds|limit/i) });
    expect([...byUrl.keys()].filter((u) => u.startsWith('/trouble'))).toEqual(['/trouble/']);
    expect(byUrl.get('/blog/')).toMatchObject({ status: 'failed', reason: 'HTTP 404' });
    expect(job.pagesFailed).toBe(7);
    expect(job.error).toMatch(/7 URL\(s\) failed: HTTP 404 \(2\)/);
    const redirected = await rt.database.db.select({ url: pages.url }).from(pages).where(eq(pages.sourceId, job.sourceId!));
    expect(redirected.map((p) => p.url.replace(site.url, ''))).toEqual(expect.arrayContaining(['/trouble/', '/docs/a']));
  });

  it('keeps two sources on one host apart', async () => {
    const a = await crawlToEnd({ url: `${site.url}/docs/a`, mode: 'single' });
    const b = await crawlToEnd({ url: `${site.url}/docs/b`, mode: 'single' });
    expect(a.sourceId).not.toBe(b.sourceId);
    const again = await crawlToEnd({ url: `${site.url}/docs/a?utm_campaign=x#top`, mode: 'single' });
    expect(again.sourceId).toBe(a.sourceId);
    const rows = await rt.database.db
      .select()
      .from(pages)
      .where(and(eq(pages.sourceId, a.sourceId!)));
    expect(rows).toHaveLength(1);
  });
});
