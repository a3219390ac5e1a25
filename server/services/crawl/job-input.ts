import type { CrawlInput } from '../../schemas/knowledge';

export type ResolvedCrawlMode = 'single' | 'recursive' | 'sitemap' | 'llms-txt' | 'llms-full' | 'text';

/** What a crawl job stores as its input: the request plus what was derived from it. */
export type CrawlJobInput = CrawlInput & {
  startUrl: string;
  sourceId: string;
  resolvedMode?: ResolvedCrawlMode;
  /** A refresh re-crawls an existing source: conditional requests, and pages that vanished are deleted. */
  refresh?: boolean;
};
