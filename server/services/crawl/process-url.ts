import { firstH1, stripFrontMatter } from '../converters/markdown-title';
import type { IngestDocument } from '../ingest/prepare';
import { classifyContent, decodeBody } from '../markdown/content-type';
import { htmlToMarkdown } from '../markdown/html-to-markdown';
import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import type { CrawlContext } from './crawl-context';
import { FetchError, type FetchResult } from './fetcher';
import type { FrontierEntry, FrontierRow } from './frontier';
import { isLinkCollection, parseLlmsTxt, splitLlmsFull } from './llms-txt';
import { parseSitemap, type Sitemap } from './sitemap';
import { hasBinaryExtension, normalizeUrl, toRawGithubUrl } from './url';

export type UrlResult = {
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
  httpStatus?: number;
  documents: IngestDocument[];
  enqueue: FrontierEntry[];
  /** A stored page this URL confirmed unchanged (a refresh's 304). */
  unchangedUrl?: string;
};

/** What the last crawl stored for a URL, for conditional requests on refresh. */
export type PreviousPage = { etag: string | null; lastModified: string | null; links: string[] };

// Enough to re-walk a site from pages that did not change; the index page of a
// large manual links to about a thousand pages.
const MAX_STORED_LINKS = 5000;

/** The frontier reason of a URL a refresh found unchanged. */
export const NOT_MODIFIED = 'not modified';
/** The frontier reason of a URL robots.txt now closes: it was not fetched, so where it leads is unknown. */
export const ROBOTS_DISALLOWED = 'disallowed by robots.txt';

/** The frontier reason of a 304 that no conditional request asked for: there is no stored version to keep. */
export const UNASKED_NOT_MODIFIED = 'answered 304 Not Modified to an unconditional request';

/**
 * How deep sitemap indexes may nest below the first listing file. The
 * protocol allows one level; a few sites nest further, and an endless chain
 * of indexes (generated per request) must not keep a crawl alive.
 */
export const MAX_SITEMAP_NESTING = 3;

// A Crawl-delay of a day would stall the crawl; politeness is capped here.
const MAX_CRAWL_DELAY_MS = 30_000;

const skipped = (reason: string, httpStatus?: number): UrlResult => ({ status: 'skipped', reason, httpStatus, documents: [], enqueue: [] });
const failed = (reason: string, httpStatus?: number): UrlResult => ({ status: 'failed', reason, httpStatus, documents: [], enqueue: [] });

/** Candidate URLs found on a page or in a listing, kept only if the crawl may follow them. */
function followable(ctx: CrawlContext, urls: string[], base: string): string[] {
  const out: string[] = [];
  for (const raw of urls) {
    const url = normalizeUrl(raw, base);
    if (url && !hasBinaryExtension(url) && ctx.filter(url).ok) out.push(url);
  }
  return out;
}

/** The first H1 as plain text (as an uploaded file's), else the first H2; neither from inside a code block ('# install'). */
function headingTitle(markdown: string): string | null {
  const h1 = firstH1(markdown);
  if (h1) return h1;
  let fence: Fence | null = null;
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
    } else if (!(fence = openingFence(line))) {
      const h2 = /^##\s+(.+)$/.exec(line)?.[1]?.trim();
      if (h2) return h2;
    }
  }
  return null;
}

function titleFromMarkdown(markdown: string, url: string): string {
  const heading = headingTitle(markdown);
  if (heading) return heading;
  const last = new URL(url).pathname.split('/').filter(Boolean).pop();
  if (!last) return new URL(url).hostname;
  try {
    return decodeURIComponent(last);
  } catch {
    // A stray `%` (`100%.txt`) is not an escape: the segment reads fine as it is.
    return last;
  }
}

/**
 * A refresh that could not read a page it had stored walks on from the links
 * that page had, so the pages only it links to are still reached and are not
 * taken for gone because of one bad fetch. A 404 or 410 is the site saying the
 * page is gone, so its links go with it.
 */
function carryForward(ctx: CrawlContext, row: FrontierRow, previous: PreviousPage | undefined, result: UrlResult): UrlResult {
  if (!previous || result.status === 'done' || result.enqueue.length > 0) return result;
  if (result.httpStatus === 404 || result.httpStatus === 410) return result;
  return { ...result, enqueue: storedLinks(ctx, row, previous) };
}

function storedLinks(ctx: CrawlContext, row: FrontierRow, previous: PreviousPage): FrontierEntry[] {
  const follow = ctx.input.resolvedMode === 'recursive' && row.depth < ctx.input.maxDepth;
  return follow ? followable(ctx, previous.links, row.url).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const })) : [];
}

/**
 * Fetches one frontier URL and turns it into documents to store and URLs to
 * enqueue. `previous` is what a refresh has stored under this URL.
 */
export async function processUrl(ctx: CrawlContext, row: FrontierRow, previous?: PreviousPage): Promise<UrlResult> {
  return carryForward(ctx, row, previous, await fetchAndConvert(ctx, row, previous));
}

async function fetchAndConvert(ctx: CrawlContext, row: FrontierRow, previous?: PreviousPage): Promise<UrlResult> {
  const { input } = ctx;
  // A GitHub blob page is fetched as its raw file but stays stored under the URL the crawl found.
  const target = toRawGithubUrl(row.url) ?? row.url;
  let delay = input.delayMs;
  if (input.respectRobots) {
    const verdict = await ctx.robots.check(target);
    if (verdict.unreachable) return failed(`robots.txt could not be fetched (${verdict.unreachable}), so the site is not crawled for now`);
    if (!verdict.allowed) return skipped(ROBOTS_DISALLOWED);
    delay = Math.max(delay, Math.min(verdict.crawlDelayMs ?? 0, MAX_CRAWL_DELAY_MS));
  }
  await ctx.pace(new URL(target).host, delay);

  const conditional = previous && (previous.etag || previous.lastModified) ? previous : undefined;
  let res: FetchResult;
  try {
    res = await ctx.fetch(
      target,
      conditional ? { ifNoneMatch: conditional.etag ?? undefined, ifModifiedSince: conditional.lastModified ?? undefined } : undefined,
    );
  } catch (err) {
    if (err instanceof FetchError) return failed(err.message);
    throw err;
  }
  if (res.notModified) {
    // Without a stored version a 304 carries nothing to keep: a broken server or proxy, not an unchanged page.
    if (!conditional) return failed(UNASKED_NOT_MODIFIED, res.status);
    // Unchanged: keep the stored page, and walk on from the links it had.
    return { ...skipped(NOT_MODIFIED, res.status), enqueue: storedLinks(ctx, row, conditional), unchangedUrl: row.url };
  }
  if (res.status >= 400) return failed(`HTTP ${res.status}`, res.status);
  const fetchedUrl = normalizeUrl(target) ?? target;
  const redirectedTo = normalizeUrl(res.finalUrl) ?? fetchedUrl;
  const redirected = redirectedTo !== fetchedUrl;
  if (row.kind === 'page' && redirected && !ctx.filter(redirectedTo).ok) {
    return skipped(`redirected outside the crawl scope to ${redirectedTo}`, res.status);
  }
  // Where the content lives: the redirect target, else the frontier URL (not the raw file of a GitHub page).
  const finalUrl = redirected ? redirectedTo : row.url;
  const kind = classifyContent(res.contentType, finalUrl, res.body);
  const http = { etag: res.headers.etag ?? null, lastModified: res.headers['last-modified'] ?? null };

  if (row.kind === 'sitemap') {
    let sitemap: Sitemap;
    try {
      sitemap = parseSitemap(res.body);
    } catch (err) {
      return failed(`not a sitemap: ${(err as Error).message}`, res.status);
    }
    const locs = sitemap.entries.map((e) => e.loc);
    if (sitemap.kind === 'urlset') {
      const enqueue = followable(ctx, locs, finalUrl).map((url) => ({ url, depth: 1, kind: 'page' as const }));
      return { status: 'done', httpStatus: res.status, documents: [], enqueue };
    }
    // A sitemap's depth is how many indexes lead to it from the first listing file.
    if (row.depth >= MAX_SITEMAP_NESTING) {
      return {
        status: 'done',
        reason: `sitemap index nested deeper than ${MAX_SITEMAP_NESTING} levels: its ${locs.length} sitemap(s) were not followed`,
        httpStatus: res.status,
        documents: [],
        enqueue: [],
      };
    }
    const enqueue = locs.flatMap((u) => {
      const url = normalizeUrl(u, finalUrl);
      return url ? [{ url, depth: row.depth + 1, kind: 'sitemap' as const }] : [];
    });
    return { status: 'done', httpStatus: res.status, documents: [], enqueue };
  }
  if (kind === 'binary' || (kind === 'xml' && row.kind === 'page')) {
    return skipped(`unsupported content type ${res.contentType || 'unknown'}`, res.status);
  }
  const text = decodeBody(res.body, res.charset, kind);

  if (row.kind === 'llms-full') {
    const documents = splitLlmsFull(text, finalUrl).map((s) => ({ url: s.url, title: s.title, markdown: s.markdown }));
    return { status: 'done', httpStatus: res.status, documents, enqueue: [] };
  }
  if (row.kind === 'llms' && isLinkCollection(finalUrl, text)) {
    const listing = parseLlmsTxt(text, finalUrl);
    const enqueue = followable(
      ctx,
      listing.links.map((l) => l.url),
      finalUrl,
    ).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const }));
    const document = { url: finalUrl, title: listing.title ?? titleFromMarkdown(text, finalUrl), markdown: text, ...http };
    return { status: 'done', httpStatus: res.status, documents: [document], enqueue };
  }

  let document: IngestDocument;
  let links: string[] = [];
  if (kind === 'html') {
    const page = htmlToMarkdown(text, finalUrl);
    document = {
      url: finalUrl,
      title: page.title || titleFromMarkdown(page.markdown, finalUrl),
      markdown: page.markdown,
      metadata: { anchors: page.anchors, description: page.description, links: page.links.slice(0, MAX_STORED_LINKS) },
      ...http,
    };
    links = page.links;
  } else if (kind === 'markdown') {
    // As an uploaded Markdown file: YAML front matter is metadata (Docusaurus, MkDocs and Hugo sources name the page
    // there, and often have no H1), not text to chunk and search.
    const { markdown, title } = stripFrontMatter(text);
    document = { url: finalUrl, title: title || titleFromMarkdown(markdown, finalUrl), markdown, ...http };
  } else {
    document = { url: finalUrl, title: titleFromMarkdown(text, finalUrl), markdown: text, ...http };
  }
  if (document.markdown.trim() === '') return skipped('no text content', res.status);
  const follow = input.resolvedMode === 'recursive' && row.depth < input.maxDepth;
  const enqueue = follow ? followable(ctx, links, finalUrl).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const })) : [];
  return { status: 'done', httpStatus: res.status, documents: [document], enqueue };
}
