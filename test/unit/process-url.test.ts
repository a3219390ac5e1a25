import { describe, expect, it } from 'vitest';
import type { CrawlContext } from '../../server/services/crawl/crawl-context';
import { scopeBase } from '../../server/services/crawl/crawl-context';
import type { CrawlJobInput } from '../../server/services/crawl/crawl-job';
import type { FetchResult } from '../../server/services/crawl/fetcher';
import { MAX_SITEMAP_NESTING, NOT_MODIFIED, type PreviousPage, processUrl, UNASKED_NOT_MODIFIED } from '../../server/services/crawl/process-url';
import type { RobotsVerdict } from '../../server/services/crawl/robots';
import { createUrlFilter } from '../../server/services/crawl/url';

/**
 * processUrl against a scripted fetch: what it fetches, and what it stores,
 * enqueues and reports for each kind of answer.
 */
type Answer = Partial<FetchResult> & { body?: Buffer };

function context(startUrl: string, answers: Record<string, Answer>, opts: { input?: Partial<CrawlJobInput>; robots?: RobotsVerdict } = {}) {
  const input = {
    startUrl,
    scope: 'prefix',
    resolvedMode: 'recursive',
    maxDepth: 3,
    delayMs: 0,
    respectRobots: true,
    ...opts.input,
  } as CrawlJobInput;
  const fetched: { url: string; conditional: boolean }[] = [];
  const ctx = {
    input,
    filter: createUrlFilter({ startUrl: scopeBase(input), scope: input.scope }),
    robots: { check: async () => opts.robots ?? { allowed: true, crawlDelayMs: null }, sitemaps: async () => [] },
    pace: async () => {},
    fetch: async (url: string, extra?: { ifNoneMatch?: string; ifModifiedSince?: string }) => {
      fetched.push({ url, conditional: Boolean(extra?.ifNoneMatch || extra?.ifModifiedSince) });
      const a = answers[url];
      if (!a) throw new Error(`unexpected fetch of ${url}`);
      const status = a.status ?? 200;
      return {
        url,
        finalUrl: url,
        status,
        headers: {},
        contentType: 'text/html',
        charset: 'utf-8',
        body: Buffer.alloc(0),
        redirects: [],
        notModified: status === 304,
        ...a,
      };
    },
  } as unknown as CrawlContext;
  return { ctx, fetched };
}

const row = (url: string, kind: 'page' | 'sitemap' = 'page', depth = 1) => ({ id: 1, url, depth, kind, status: 'pending' as const });
const html = (body: string) => Buffer.from(`<!doctype html><html><head><title>T</title></head><body><main>${body}</main></body></html>`);

describe('processUrl: GitHub blob pages', () => {
  it('fetches the raw file and stores it under the blob URL', async () => {
    const blob = 'https://github.com/acme/docs/blob/main/README.md';
    const rawUrl = 'https://raw.githubusercontent.com/acme/docs/main/README.md';
    const { ctx, fetched } = context(
      blob,
      { [rawUrl]: { contentType: 'text/plain', body: Buffer.from('# Acme\n\nThe README text.\n') } },
      { input: { resolvedMode: 'text' } },
    );
    const r = await processUrl(ctx, row(blob));
    expect(fetched.map((f) => f.url)).toEqual([rawUrl]);
    expect(r).toMatchObject({ status: 'done', documents: [{ url: blob, title: 'Acme' }] });
  });

  it('still refuses a raw file that redirects out of scope', async () => {
    const blob = 'https://github.com/acme/docs/blob/main/README.md';
    const rawUrl = 'https://raw.githubusercontent.com/acme/docs/main/README.md';
    const { ctx } = context(blob, { [rawUrl]: { finalUrl: 'https://elsewhere.dev/x', contentType: 'text/plain', body: Buffer.from('# X\n') } });
    expect(await processUrl(ctx, row(blob))).toMatchObject({
      status: 'skipped',
      reason: 'redirected outside the crawl scope to https://elsewhere.dev/x',
    });
  });
});

describe('processUrl: titles', () => {
  it('titles a page without a heading from its last path segment, even with a stray %', async () => {
    const url = 'https://x.dev/notes/100%.txt';
    const { ctx } = context(url, { [url]: { contentType: 'text/plain', body: Buffer.from('just some notes without a heading\n') } });
    expect(await processUrl(ctx, row(url))).toMatchObject({ status: 'done', documents: [{ url, title: '100%.txt' }] });
    const encoded = 'https://x.dev/notes/caf%C3%A9.txt';
    const { ctx: ctx2 } = context(encoded, { [encoded]: { contentType: 'text/plain', body: Buffer.from('notes\n') } });
    expect(await processUrl(ctx2, row(encoded))).toMatchObject({ documents: [{ title: 'café.txt' }] });
  });
});

describe('processUrl: 304 Not Modified', () => {
  const url = 'https://x.dev/docs/a';
  const stored: PreviousPage = { etag: '"v1"', lastModified: null, links: ['https://x.dev/docs/b', 'https://x.dev/blog/x'] };

  it('fails a 304 to an unconditional request, as there is nothing stored to keep', async () => {
    const { ctx, fetched } = context('https://x.dev/docs/', { [url]: { status: 304 } });
    const r = await processUrl(ctx, row(url));
    expect(r).toMatchObject({ status: 'failed', reason: UNASKED_NOT_MODIFIED, httpStatus: 304 });
    expect(r.unchangedUrl).toBeUndefined();
    expect(fetched).toEqual([{ url, conditional: false }]);
  });

  it('fails it too when the stored page has no validators to ask with', async () => {
    const { ctx, fetched } = context('https://x.dev/docs/', { [url]: { status: 304 } });
    const r = await processUrl(ctx, row(url), { etag: null, lastModified: null, links: [] });
    expect(r).toMatchObject({ status: 'failed', reason: UNASKED_NOT_MODIFIED });
    expect(r.unchangedUrl).toBeUndefined();
    expect(fetched[0]!.conditional).toBe(false);
  });

  it('keeps a stored page that answered a conditional request with 304, following its stored links in scope', async () => {
    const { ctx, fetched } = context('https://x.dev/docs/', { [url]: { status: 304 } });
    const r = await processUrl(ctx, row(url), stored);
    expect(fetched[0]!.conditional).toBe(true);
    expect(r).toMatchObject({
      status: 'skipped',
      reason: NOT_MODIFIED,
      unchangedUrl: url,
      enqueue: [{ url: 'https://x.dev/docs/b', depth: 2, kind: 'page' }],
    });
  });
});

describe('processUrl: a refresh that cannot read a stored page', () => {
  const url = 'https://x.dev/docs/hub';
  const stored: PreviousPage = { etag: null, lastModified: null, links: ['https://x.dev/docs/h1', 'https://x.dev/docs/h2'] };
  const carried = [
    { url: 'https://x.dev/docs/h1', depth: 2, kind: 'page' },
    { url: 'https://x.dev/docs/h2', depth: 2, kind: 'page' },
  ];

  it.each([
    ['a 503', { status: 503 }, 'failed'],
    ['a redirect out of scope', { finalUrl: 'https://x.dev/maintenance', body: html('<p>Back soon</p>') }, 'skipped'],
    ['an empty page', { body: html('') }, 'skipped'],
  ] as const)('walks on from its stored links after %s', async (_what, answer, status) => {
    const { ctx } = context('https://x.dev/docs/', { [url]: answer });
    expect(await processUrl(ctx, row(url), stored)).toMatchObject({ status, enqueue: carried });
  });

  it('drops its links when the site says it is gone', async () => {
    const { ctx } = context('https://x.dev/docs/', { [url]: { status: 404 } });
    expect(await processUrl(ctx, row(url), stored)).toMatchObject({ status: 'failed', httpStatus: 404, enqueue: [] });
  });

  it('fails, rather than skips, a URL whose robots.txt is unreachable', async () => {
    const { ctx, fetched } = context('https://x.dev/docs/', {}, { robots: { allowed: false, crawlDelayMs: null, unreachable: 'HTTP 503' } });
    const r = await processUrl(ctx, row(url), stored);
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('robots.txt could not be fetched (HTTP 503)'), enqueue: carried });
    expect(fetched).toEqual([]);
  });

  it('skips a URL robots.txt disallows by rule', async () => {
    const { ctx } = context('https://x.dev/docs/', {}, { robots: { allowed: false, crawlDelayMs: null } });
    expect(await processUrl(ctx, row(url))).toMatchObject({ status: 'skipped', reason: 'disallowed by robots.txt' });
  });
});

describe('processUrl: sitemaps', () => {
  const index = (locs: string[]) =>
    Buffer.from(
      `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs.map((l) => `<sitemap><loc>${l}</loc></sitemap>`).join('')}</sitemapindex>`,
    );

  it('enqueues the sitemaps of an index one level deeper', async () => {
    const url = 'https://x.dev/sitemap.xml';
    const { ctx } = context(
      url,
      { [url]: { contentType: 'application/xml', body: index(['https://x.dev/s1.xml']) } },
      { input: { resolvedMode: 'sitemap' } },
    );
    expect(await processUrl(ctx, row(url, 'sitemap', 0))).toMatchObject({
      status: 'done',
      enqueue: [{ url: 'https://x.dev/s1.xml', depth: 1, kind: 'sitemap' }],
    });
  });

  it(`does not follow an index nested ${MAX_SITEMAP_NESTING} levels deep`, async () => {
    const url = 'https://x.dev/deep.xml';
    const { ctx } = context(
      url,
      { [url]: { contentType: 'application/xml', body: index(['https://x.dev/deeper.xml']) } },
      { input: { resolvedMode: 'sitemap' } },
    );
    expect(await processUrl(ctx, row(url, 'sitemap', MAX_SITEMAP_NESTING))).toMatchObject({
      status: 'done',
      reason: expect.stringContaining(`nested deeper than ${MAX_SITEMAP_NESTING} levels`),
      enqueue: [],
    });
  });
});

describe('scopeBase', () => {
  it('scopes from the site root when the start URL is a listing file, else from the start URL', () => {
    expect(scopeBase({ startUrl: 'https://x.dev/sitemaps/docs.xml', resolvedMode: 'sitemap' })).toBe('https://x.dev/');
    expect(scopeBase({ startUrl: 'https://x.dev/ai/llms.txt', resolvedMode: 'llms-txt' })).toBe('https://x.dev/');
    // A directory resolved to a listing found by probing keeps its prefix.
    expect(scopeBase({ startUrl: 'https://x.dev/docs/', resolvedMode: 'sitemap' })).toBe('https://x.dev/docs/');
    expect(scopeBase({ startUrl: 'https://x.dev/docs/intro', resolvedMode: 'recursive' })).toBe('https://x.dev/docs/intro');
    expect(scopeBase({ startUrl: 'https://x.dev/docs/intro' })).toBe('https://x.dev/docs/intro');
  });
});
