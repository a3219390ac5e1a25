import { and, asc, eq, inArray } from 'drizzle-orm';
import { codeExamples, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { appendJobLog } from '../jobs/job-progress';
import { dropNearDuplicates } from './code-examples';

const DELETE_BATCH = 1000;

/**
 * Removes near-duplicate code examples across a source's pages, once its job
 * has stored them all. Deciding here, over the whole source in page-URL order,
 * rather than batch by batch, makes the result independent of the order pages
 * were fetched in: the same site crawled twice keeps the same examples. The
 * price is that a duplicate is embedded before it is dropped. Returns how many
 * were removed.
 */
export async function dropDuplicateCodeExamples(db: Database, sourceId: string): Promise<number> {
  const rows = await db
    .select({ id: codeExamples.id, code: codeExamples.code })
    .from(codeExamples)
    .innerJoin(pages, eq(pages.id, codeExamples.pageId))
    .where(eq(codeExamples.sourceId, sourceId))
    .orderBy(asc(pages.url), asc(codeExamples.exampleIndex));
  const kept = new Set(dropNearDuplicates(rows).map((r) => r.id));
  const dropped = rows.filter((r) => !kept.has(r.id)).map((r) => r.id);
  for (let i = 0; i < dropped.length; i += DELETE_BATCH) {
    await db.delete(codeExamples).where(and(eq(codeExamples.sourceId, sourceId), inArray(codeExamples.id, dropped.slice(i, i + DELETE_BATCH))));
  }
  return dropped.length;
}

/** The step a crawl or upload job ends with: duplicates removed, and the job's log says how many. */
export async function dropDuplicatesOfJob(deps: { db: Database }, jobId: string, sourceId: string): Promise<void> {
  const removed = await dropDuplicateCodeExamples(deps.db, sourceId);
  if (removed) await appendJobLog(deps.db, jobId, 'info', `Removed ${removed} code example(s) repeated on other pages`);
}
