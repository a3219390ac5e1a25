import { bigint, index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';
import { jobs } from './jobs';
import { pages } from './knowledge';

export const CRAWL_URL_STATUSES = ['pending', 'done', 'skipped', 'failed'] as const;
export type CrawlUrlStatus = (typeof CRAWL_URL_STATUSES)[number];
/** What a frontier URL is expected to be: a page to index, or a file that lists pages. */
export const CRAWL_URL_KINDS = ['page', 'sitemap', 'llms', 'llms-full'] as const;
export type CrawlUrlKind = (typeof CRAWL_URL_KINDS)[number];

/** A crawl job's frontier: every URL it discovered, with what became of it. */
export const crawlUrls = pgTable(
  'crawl_urls',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    kind: text('kind').$type<CrawlUrlKind>().notNull().default('page'),
    depth: integer('depth').notNull(),
    status: text('status').$type<CrawlUrlStatus>().notNull().default('pending'),
    reason: text('reason'),
    httpStatus: integer('http_status'),
    pageId: uuid('page_id').references(() => pages.id, { onDelete: 'set null' }),
    /** The URL whose page first linked this one: a re-run batch finds what it discovered by it. */
    parentId: bigint('parent_id', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('crawl_urls_job_url_key').on(t.jobId, t.url),
    index('crawl_urls_job_status_idx').on(t.jobId, t.status),
    index('crawl_urls_job_parent_idx').on(t.jobId, t.parentId),
  ],
);
