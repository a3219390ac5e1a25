import type { IngestDeps } from '../ingest/ingest-deps';
import type { CrawlJobInput } from './crawl-job';
import { type FetchOptions, type FetchResult, fetchUrl } from './fetcher';
import { createHostPacer } from './limits';
import { createRobotsCache, ROBOTS_MAX_BYTES, type RobotsCache } from './robots';
import { createUrlFilter, type UrlVerdict } from './url';

/** Everything needed to fetch URLs for one crawl job in this process. */
export type CrawlContext = {
  deps: IngestDeps;
  input: CrawlJobInput;
  filter: (url: string) => UrlVerdict;
  robots: RobotsCache;
  pace: (host: string, delayMs: number) => Promise<void>;
  fetch: (url: string, extra?: Partial<FetchOptions>) => Promise<FetchResult>;
};

const LISTING_MODES = new Set(['sitemap', 'llms-txt', 'llms-full']);

/**
 * The URL the crawl scope is measured from. When the start URL is itself a
 * listing file (a sitemap, an llms.txt), the pages it lists are what was asked
 * for wherever they live on its site, so scoping starts at the site's root; a
 * sitemap in /sitemaps/ lists pages outside /sitemaps/. A directory start URL
 * that was resolved to a listing found by probing keeps its own prefix.
 */
export function scopeBase(input: Pick<CrawlJobInput, 'startUrl' | 'resolvedMode'>): string {
  const startsAtListing =
    input.resolvedMode !== undefined && LISTING_MODES.has(input.resolvedMode) && !new URL(input.startUrl).pathname.endsWith('/');
  return startsAtListing ? new URL('/', input.startUrl).href : input.startUrl;
}

// Robots files and host spacing are shared by all jobs of one runtime.
const shared = new WeakMap<IngestDeps, { robots: RobotsCache; pace: ReturnType<typeof createHostPacer> }>();

export function crawlContext(deps: IngestDeps, input: CrawlJobInput): CrawlContext {
  const fetchOptions = (extra?: Partial<FetchOptions>): FetchOptions => ({
    policy: deps.network.policy,
    userAgent: deps.network.userAgent,
    timeoutMs: input.timeoutMs,
    maxBytes: input.maxBytes,
    maxRedirects: input.maxRedirects,
    ...extra,
  });
  let common = shared.get(deps);
  if (!common) {
    common = {
      robots: createRobotsCache({
        // Fixed limits: the cache outlives the job that first filled it.
        fetch: (url) =>
          fetchUrl(url, {
            policy: deps.network.policy,
            userAgent: deps.network.userAgent,
            accept: 'text/plain, */*;q=0.1',
            timeoutMs: 10_000,
            maxBytes: 4 * ROBOTS_MAX_BYTES,
            maxRedirects: 5,
          }),
        userAgent: deps.network.userAgent,
      }),
      pace: createHostPacer(),
    };
    shared.set(deps, common);
  }
  return {
    deps,
    input,
    filter: createUrlFilter({ startUrl: scopeBase(input), scope: input.scope, include: input.include, exclude: input.exclude }),
    robots: common.robots,
    pace: common.pace,
    fetch: (url, extra) => fetchUrl(url, fetchOptions(extra)),
  };
}
