import { classifyContent, decodeBody } from '../markdown/content-type';
import type { CrawlContext } from './crawl-context';
import type { ResolvedCrawlMode } from './crawl-job';
import type { FrontierEntry } from './frontier';
import { isLinkCollection, parseLlmsTxt } from './llms-txt';
import { isSitemapUrl, parseSitemap } from './sitemap';
import { normalizeUrl } from './url';

const lastSegment = (url: string) => new URL(url).pathname.split('/').pop()?.toLowerCase() ?? '';
const isDirectory = (url: string) => new URL(url).pathname.endsWith('/');

/**
 * Whether a listing file found by probing stands for the start URL: it must list a page the crawl may follow. A site's
 * root sitemap or llms.txt often covers its marketing pages only; taken for a /docs/ start URL, it made a crawl that
 * found nothing in scope and failed, where crawling the directory itself would have worked. A sitemap index is taken
 * as it is: what its sitemaps list is only known by fetching them.
 */
async function probe(ctx: CrawlContext, url: string, want: 'llms' | 'sitemap'): Promise<boolean> {
  const inScope = (loc: string) => {
    const page = normalizeUrl(loc, url);
    return page !== null && ctx.filter(page).ok;
  };
  try {
    const res = await ctx.fetch(url, { maxRedirects: 3, timeoutMs: Math.min(ctx.input.timeoutMs, 10_000) });
    if (res.status !== 200) return false;
    if (want === 'sitemap') {
      const sitemap = parseSitemap(res.body);
      return sitemap.kind === 'index' || sitemap.entries.some((e) => inScope(e.loc));
    }
    const kind = classifyContent(res.contentType, url, res.body);
    if (kind !== 'markdown' && kind !== 'text') return false;
    const text = decodeBody(res.body, res.charset, kind);
    return isLinkCollection(url, text) && parseLlmsTxt(text, url).links.some((l) => inScope(l.url));
  } catch {
    return false;
  }
}

/**
 * Decides how to crawl and where to start, as Archon v1 does: listing files
 * and text URLs are recognised by name; a directory-like start URL is probed
 * for an llms.txt, then a sitemap (also those robots.txt names), before
 * falling back to a recursive crawl. A page URL is never replaced by a
 * listing found elsewhere on the site: the user asked for that page.
 */
export async function planSeeds(ctx: CrawlContext): Promise<{ mode: ResolvedCrawlMode; seeds: FrontierEntry[] }> {
  const { startUrl, mode, maxDepth } = ctx.input;
  const name = lastSegment(startUrl);
  const as = (m: ResolvedCrawlMode, kind: FrontierEntry['kind'], depth = 1) => ({ mode: m, seeds: [{ url: startUrl, kind, depth }] });
  switch (mode) {
    case 'single':
    case 'text':
      return as(mode, 'page');
    case 'recursive':
      return as('recursive', 'page');
    case 'sitemap':
      return as('sitemap', 'sitemap', 0);
    case 'llms-txt':
      return as('llms-txt', 'llms', 0);
    case 'llms-full':
      return as('llms-full', 'llms-full', 0);
  }
  if (isSitemapUrl(startUrl)) return as('sitemap', 'sitemap', 0);
  if (name.includes('llms') && name.includes('full')) return as('llms-full', 'llms-full', 0);
  if (/\.(md|mdx|markdown|txt)$/.test(name)) {
    return /^(llms|links|resources|references)(-[\w-]+)?\.txt$/.test(name) ? as('llms-txt', 'llms', 0) : as('text', 'page');
  }
  if (maxDepth === 1) return as('single', 'page');
  if (isDirectory(startUrl)) {
    const here = new URL('llms.txt', startUrl).toString();
    const root = new URL('/llms.txt', startUrl).toString();
    for (const candidate of [...new Set([here, root])]) {
      if (await probe(ctx, candidate, 'llms')) return { mode: 'llms-txt', seeds: [{ url: candidate, kind: 'llms', depth: 0 }] };
    }
    const fromRobots = ctx.input.respectRobots ? await ctx.robots.sitemaps(startUrl).catch(() => []) : [];
    const sitemaps = [new URL('sitemap.xml', startUrl).toString(), new URL('/sitemap.xml', startUrl).toString(), ...fromRobots];
    for (const candidate of [...new Set(sitemaps)]) {
      if (await probe(ctx, candidate, 'sitemap')) return { mode: 'sitemap', seeds: [{ url: candidate, kind: 'sitemap', depth: 0 }] };
    }
  }
  return as('recursive', 'page');
}
