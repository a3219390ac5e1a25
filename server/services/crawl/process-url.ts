import type { IngestDocument } from '../ingest/prepare';
import { classifyContent, decodeBody } from './content-type';
import type { CrawlContext } from './crawl-context';
import { FetchError } from './fetcher';
import type { FrontierEntry, FrontierRow } from './frontier';
import { htmlToMarkdown } from './html-to-markdown';
import { isLinkCollection, parseLlmsTxt, splitLlmsFull } from './llms-txt';
import { parseSitemap } from './sitemap';
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

function titleFromMarkdown(markdown: string, url: string): string {
  const heading = /^#{1,2}\s+(.+)$/m.exec(markdown)?.[1]?.trim();
  if (heading) return heading;
  const last = new URL(url).pathname.split('/').filter(Boolean).pop();
  return last ? decodeURIComponent(last) : new URL(url).hostname;
}

/** Fetches one frontier URL and turns it into documents to store and URLs to enqueue. */
export async function processUrl(ctx: CrawlContext, row: FrontierRow, previous?: PreviousPage): Promise<UrlResult> {
  const { input } = ctx;
  const target = toRawGithubUrl(row.url) ?? row.url;
  let delay = input.delayMs;
  if (input.respectRobots) {
    const verdict = await ctx.robots.check(target);
    if (!verdict.allowed) return skipped('disallowed by robots.txt');
    delay = Math.max(delay, Math.min(verdict.crawlDelayMs ?? 0, MAX_CRAWL_DELAY_MS));
  }
  await ctx.pace(new URL(target).host, delay);

  let res;
  try {
    res = await ctx.fetch(target, previous ? { ifNoneMatch: previous.etag ?? undefined, ifModifiedSince: previous.lastModified ?? undefined } : undefined);
  } catch (err) {
    if (err instanceof FetchError) return failed(err.message);
    throw err;
  }
  if (res.notModified) {
    // Unchanged: keep the stored page, and walk on from the links it had.
    const follow = input.resolvedMode === 'recursive' && row.depth < input.maxDepth;
    const enqueue = follow && previous ? followable(ctx, previous.links, row.url).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const })) : [];
    return { ...skipped(NOT_MODIFIED, res.status), enqueue, unchangedUrl: row.url };
  }
  if (res.status >= 400) return failed(`HTTP ${res.status}`, res.status);
  const finalUrl = normalizeUrl(res.finalUrl) ?? row.url;
  if (row.kind === 'page' && finalUrl !== row.url && !ctx.filter(finalUrl).ok) {
    return skipped(`redirected outside the crawl scope to ${finalUrl}`, res.status);
  }
  const kind = classifyContent(res.contentType, finalUrl, res.body);
  const http = { etag: res.headers.etag ?? null, lastModified: res.headers['last-modified'] ?? null };

  if (row.kind === 'sitemap') {
    let sitemap;
    try {
      sitemap = parseSitemap(res.body);
    } catch (err) {
      return failed(`not a sitemap: ${(err as Error).message}`, res.status);
    }
    const locs = sitemap.entries.map((e) => e.loc);
    const enqueue: FrontierEntry[] =
      sitemap.kind === 'index'
        ? locs.flatMap((u) => (normalizeUrl(u, finalUrl) ? [{ url: normalizeUrl(u, finalUrl)!, depth: row.depth, kind: 'sitemap' as const }] : []))
        : followable(ctx, locs, finalUrl).map((url) => ({ url, depth: 1, kind: 'page' as const }));
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
    const enqueue = followable(ctx, listing.links.map((l) => l.url), finalUrl).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const }));
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
  } else {
    document = { url: finalUrl, title: titleFromMarkdown(text, finalUrl), markdown: text, ...http };
  }
  if (document.markdown.trim() === '') return skipped('no text content', res.status);
  const follow = input.resolvedMode === 'recursive' && row.depth < input.maxDepth;
  const enqueue = follow ? followable(ctx, links, finalUrl).map((url) => ({ url, depth: row.depth + 1, kind: 'page' as const })) : [];
  return { status: 'done', httpStatus: res.status, documents: [document], enqueue };
}
