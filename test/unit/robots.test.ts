import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetchError, type FetchResult } from '../../server/services/crawl/fetcher';
import { createRobotsCache, ROBOTS_MAX_BYTES } from '../../server/services/crawl/robots';

const UA = 'ArchonBot/2.0 (+https://archon.dev/bot)';

function answer(url: string, status: number, body = '', finalUrl = url): FetchResult {
  return {
    url,
    finalUrl,
    status,
    headers: { 'content-type': 'text/plain' },
    contentType: 'text/plain',
    charset: null,
    body: Buffer.from(body),
    redirects: finalUrl === url ? [] : [url],
    notModified: false,
  };
}

/** A fetch that serves one robots.txt answer per origin and counts calls. */
function fakeFetch(byOrigin: Record<string, { status: number; body?: string } | FetchError | Error>) {
  return vi.fn(async (url: string) => {
    const entry = byOrigin[new URL(url).origin];
    if (!entry) return answer(url, 404);
    if (entry instanceof Error) throw entry;
    return answer(url, entry.status, entry.body);
  });
}

const ROBOTS = `
User-agent: *
Disallow: /

User-agent: archonbot
Disallow: /private/
Allow: /private/open
Crawl-delay: 2.5

Sitemap: https://x.dev/sitemap.xml
Sitemap: https://x.dev/docs/sitemap.xml
`;

afterEach(() => {
  vi.useRealTimers();
});

describe('createRobotsCache rules', () => {
  it('applies the group of the crawler product token, with its crawl delay', async () => {
    const fetch = fakeFetch({ 'https://x.dev': { status: 200, body: ROBOTS } });
    const robots = createRobotsCache({ fetch, userAgent: UA });
    expect(await robots.check('https://x.dev/docs/a')).toEqual({ allowed: true, crawlDelayMs: 2500 });
    expect(await robots.check('https://x.dev/private/secret')).toEqual({ allowed: false, crawlDelayMs: 2500 });
    expect(await robots.check('https://x.dev/private/open')).toEqual({ allowed: true, crawlDelayMs: 2500 });
    expect(fetch).toHaveBeenCalledWith('https://x.dev/robots.txt');
  });

  it('takes the product token from a User-Agent without a version', async () => {
    const robots = createRobotsCache({
      fetch: fakeFetch({ 'https://x.dev': { status: 200, body: ROBOTS } }),
      userAgent: 'ArchonBot (+https://archon.dev)',
    });
    expect((await robots.check('https://x.dev/docs/a')).allowed).toBe(true);
  });

  it('falls back to the * group for other crawlers', async () => {
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': { status: 200, body: ROBOTS } }), userAgent: 'OtherBot/1.0' });
    expect(await robots.check('https://x.dev/docs/a')).toEqual({ allowed: false, crawlDelayMs: null });
  });

  it('lists the sitemaps robots.txt names', async () => {
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': { status: 200, body: ROBOTS } }), userAgent: UA });
    expect(await robots.sitemaps('https://x.dev/anything')).toEqual(['https://x.dev/sitemap.xml', 'https://x.dev/docs/sitemap.xml']);
    expect(await robots.sitemaps('https://y.dev/')).toEqual([]);
  });

  it('parses only the first 500 KiB', async () => {
    const head = 'User-agent: *\nDisallow: /early\n';
    const padding = `# ${'x'.repeat(98)}\n`.repeat(Math.ceil(ROBOTS_MAX_BYTES / 100));
    const body = `${head}${padding}Disallow: /late\n`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(ROBOTS_MAX_BYTES);
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': { status: 200, body } }), userAgent: UA });
    expect((await robots.check('https://x.dev/early')).allowed).toBe(false);
    expect((await robots.check('https://x.dev/late')).allowed).toBe(true);
  });

  it('applies rules fetched through a redirect to the origin that was asked', async () => {
    const fetch = vi.fn(async (url: string) => answer(url, 200, 'User-agent: *\nDisallow: /no\n', 'https://www.x.dev/robots.txt'));
    const robots = createRobotsCache({ fetch, userAgent: UA });
    expect((await robots.check('https://x.dev/no')).allowed).toBe(false);
    expect((await robots.check('https://x.dev/yes')).allowed).toBe(true);
  });
});

describe('createRobotsCache when robots.txt is missing or failing (RFC 9309)', () => {
  it.each([404, 401, 403, 410])('%i means no restrictions', async (status) => {
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': { status } }), userAgent: UA });
    expect(await robots.check('https://x.dev/private/x')).toEqual({ allowed: true, crawlDelayMs: null });
  });

  it.each([500, 503, 429])('%i disallows the whole origin', async (status) => {
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': { status, body: 'User-agent: *\nAllow: /\n' } }), userAgent: UA });
    expect(await robots.check('https://x.dev/')).toEqual({ allowed: false, crawlDelayMs: null, unreachable: `HTTP ${status}` });
  });

  it('an unreachable origin is disallowed', async () => {
    const err = new FetchError('network', 'https://x.dev/robots.txt', 'ECONNREFUSED');
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': err }), userAgent: UA });
    expect(await robots.check('https://x.dev/a')).toMatchObject({ allowed: false, unreachable: expect.stringContaining('ECONNREFUSED') });
    expect(await robots.sitemaps('https://x.dev/a')).toEqual([]);
  });

  it('a redirect chain it gives up on counts as unavailable, so allowed', async () => {
    const err = new FetchError('too-many-redirects', 'https://x.dev/robots.txt', 'too many');
    const robots = createRobotsCache({ fetch: fakeFetch({ 'https://x.dev': err }), userAgent: UA });
    expect((await robots.check('https://x.dev/a')).allowed).toBe(true);
  });

  it('a bug in the fetch function is not cached as a verdict', async () => {
    const fetch = vi.fn().mockRejectedValueOnce(new TypeError('boom')).mockResolvedValue(answer('https://x.dev/robots.txt', 404));
    const robots = createRobotsCache({ fetch, userAgent: UA });
    await expect(robots.check('https://x.dev/a')).rejects.toThrow('boom');
    expect((await robots.check('https://x.dev/a')).allowed).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('refuses URLs that are not http(s)', async () => {
    const fetch = fakeFetch({});
    const robots = createRobotsCache({ fetch, userAgent: UA });
    expect((await robots.check('mailto:a@x.dev')).allowed).toBe(false);
    expect((await robots.check('not a url')).allowed).toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('createRobotsCache caching', () => {
  it('shares one fetch among concurrent checks of an origin', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = vi.fn(async (url: string) => {
      await gate;
      return answer(url, 200, ROBOTS);
    });
    const robots = createRobotsCache({ fetch, userAgent: UA });
    const pending = Promise.all([
      robots.check('https://x.dev/a'),
      robots.check('https://x.dev/private/b'),
      robots.sitemaps('https://x.dev/'),
      robots.check('https://other.dev/a'),
    ]);
    release();
    const [a, b, sitemaps] = await pending;
    expect([a.allowed, b.allowed, sitemaps.length]).toEqual([true, false, 2]);
    expect(fetch.mock.calls.map(([url]) => url).sort()).toEqual(['https://other.dev/robots.txt', 'https://x.dev/robots.txt']);
  });

  it('keys by origin: scheme and port count', async () => {
    const fetch = fakeFetch({});
    const robots = createRobotsCache({ fetch, userAgent: UA });
    await robots.check('https://x.dev/a');
    await robots.check('https://x.dev/b');
    await robots.check('http://x.dev/a');
    await robots.check('https://x.dev:8443/a');
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('fetches again after the TTL, and sooner after a failure', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const ok = fakeFetch({ 'https://x.dev': { status: 200, body: ROBOTS } });
    const robots = createRobotsCache({ fetch: ok, userAgent: UA, ttlMs: 10 * 60_000 });
    await robots.check('https://x.dev/a');
    vi.advanceTimersByTime(5 * 60_000);
    await robots.check('https://x.dev/a');
    expect(ok).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(6 * 60_000);
    await robots.check('https://x.dev/a');
    expect(ok).toHaveBeenCalledTimes(2);

    const down = fakeFetch({ 'https://x.dev': { status: 503 } });
    const flaky = createRobotsCache({ fetch: down, userAgent: UA, ttlMs: 10 * 60_000 });
    await flaky.check('https://x.dev/a');
    vi.advanceTimersByTime(30_000);
    await flaky.check('https://x.dev/a');
    expect(down).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(61_000);
    await flaky.check('https://x.dev/a');
    expect(down).toHaveBeenCalledTimes(2);
  });
});
