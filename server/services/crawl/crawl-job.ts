import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { jobs } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { crawlOptionsSchema } from '../../schemas/knowledge';

export const RESOLVED_CRAWL_MODES = ['single', 'recursive', 'sitemap', 'llms-txt', 'llms-full', 'text'] as const;
export type ResolvedCrawlMode = (typeof RESOLVED_CRAWL_MODES)[number];

/**
 * What a crawl or refresh job stores as its input: the request's options
 * plus what was derived from it. The request's other fields (title, tags)
 * are stored too, for the job's record, but the crawl reads only these.
 */
export const crawlJobInputSchema = crawlOptionsSchema.extend({
  url: z.string(),
  startUrl: z.string(),
  sourceId: z.string(),
  resolvedMode: z.enum(RESOLVED_CRAWL_MODES).optional(),
  /** A refresh re-crawls an existing source: conditional requests, and pages that vanished are deleted. */
  refresh: z.boolean().optional(),
});
export type CrawlJobInput = z.infer<typeof crawlJobInputSchema>;

/** A crawl job's stored input, checked: a row that does not hold one fails here, saying why, not somewhere in the crawl. */
export function crawlJobInput(job: { id: string; input: unknown }): CrawlJobInput {
  const parsed = crawlJobInputSchema.safeParse(job.input);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; ');
  throw new Error(`Job ${job.id} has no valid crawl input (${why})`);
}

/** Stores the mode the crawl settled on, for the job's record. */
export async function recordResolvedMode(db: Database, jobId: string, mode: ResolvedCrawlMode) {
  await db
    .update(jobs)
    .set({ input: sql`${jobs.input} || ${JSON.stringify({ resolvedMode: mode })}::jsonb` })
    .where(eq(jobs.id, jobId));
}
