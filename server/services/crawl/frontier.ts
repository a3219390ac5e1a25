import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { crawlUrls, jobs } from '../../../db/schema';
import type { CrawlUrlKind, CrawlUrlStatus } from '../../../db/schema/crawl';
import type { Database } from '../../../db/types';

export type FrontierEntry = { url: string; depth: number; kind: CrawlUrlKind };
/** An entry found on a frontier URL's page: `parentId` is that URL's id. */
export type DiscoveredEntry = FrontierEntry & { parentId?: number };
export type FrontierRow = FrontierEntry & { id: number; status: CrawlUrlStatus };

/**
 * Listing files (sitemaps, llms.txt) one job may fetch. Sitemap indexes can
 * list thousands of sitemaps, or be generated without end; 1000 sitemaps of
 * up to 50,000 URLs each is far beyond any page budget.
 */
export const MAX_LISTING_FILES = 1000;

/**
 * Adds URLs the job has not seen, up to its page budget, and returns the new
 * ids. The job row lock makes concurrent batches respect the budget exactly.
 * Listing files (sitemaps, llms.txt) do not count as pages; they have their own
 * budget, and none is added once the page budget is full, as whatever they
 * list could not be crawled.
 */
export async function enqueueUrls(db: Database, jobId: string, entries: DiscoveredEntry[], maxPages: number): Promise<number[]> {
  if (entries.length === 0) return [];
  return db.transaction(async (tx) => {
    await tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, jobId)).for('no key update');
    const unique = [...new Map(entries.map((e) => [e.url, e])).values()];
    const known = await tx
      .select({ url: crawlUrls.url })
      .from(crawlUrls)
      .where(
        and(
          eq(crawlUrls.jobId, jobId),
          inArray(
            crawlUrls.url,
            unique.map((e) => e.url),
          ),
        ),
      );
    const seen = new Set(known.map((k) => k.url));
    const fresh = unique.filter((e) => !seen.has(e.url));
    const [{ pages, listings } = { pages: 0, listings: 0 }] = await tx
      .select({
        pages: sql<number>`count(*) filter (where ${crawlUrls.kind} = 'page')`.mapWith(Number),
        listings: sql<number>`count(*) filter (where ${crawlUrls.kind} <> 'page')`.mapWith(Number),
      })
      .from(crawlUrls)
      .where(eq(crawlUrls.jobId, jobId));
    let budget = Math.max(0, maxPages - pages);
    let listingBudget = pages >= maxPages ? 0 : Math.max(0, MAX_LISTING_FILES - listings);
    const accepted = fresh.filter((e) => (e.kind === 'page' ? budget-- > 0 : listingBudget-- > 0));
    if (accepted.length === 0) return [];
    const rows = await tx
      .insert(crawlUrls)
      .values(accepted.map((e) => ({ jobId, url: e.url, depth: e.depth, kind: e.kind, parentId: e.parentId ?? null })))
      .onConflictDoNothing()
      .returning({ id: crawlUrls.id, kind: crawlUrls.kind });
    const newPages = rows.filter((r) => r.kind === 'page').length;
    if (newPages)
      await tx
        .update(jobs)
        .set({ pagesDiscovered: sql`${jobs.pagesDiscovered} + ${newPages}` })
        .where(eq(jobs.id, jobId));
    return rows.map((r) => r.id);
  });
}

/**
 * The URLs first found on the pages of `parentIds`, in id order. A batch that
 * runs again (its step's result was lost after its writes committed, which a
 * lost lease or a lost response can cause) finds no pending URLs to crawl, so
 * this, not what it inserted this time, is what it must fan out.
 */
export async function discoveredBy(db: Database, jobId: string, parentIds: number[]): Promise<number[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .select({ id: crawlUrls.id })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), inArray(crawlUrls.parentId, parentIds)))
    .orderBy(crawlUrls.id);
  return rows.map((r) => r.id);
}

export async function loadPending(db: Database, jobId: string, ids: number[]): Promise<FrontierRow[]> {
  if (ids.length === 0) return [];
  return db
    .select({ id: crawlUrls.id, url: crawlUrls.url, depth: crawlUrls.depth, kind: crawlUrls.kind, status: crawlUrls.status })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), inArray(crawlUrls.id, ids), eq(crawlUrls.status, 'pending')));
}

export type UrlOutcome = {
  id: number;
  status: Exclude<CrawlUrlStatus, 'pending'>;
  reason?: string | null;
  httpStatus?: number | null;
  pageId?: string | null;
};

/** One statement for the whole batch: `update … from (values …)`. */
export async function recordOutcomes(db: Database, outcomes: UrlOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const rows = sql.join(
    outcomes.map((o) => sql`(${o.id}::bigint, ${o.status}, ${o.reason ?? null}::text, ${o.httpStatus ?? null}::int, ${o.pageId ?? null}::uuid)`),
    sql`, `,
  );
  await db.execute(sql`
    update crawl_urls as c set status = v.status, reason = v.reason, http_status = v.http_status, page_id = v.page_id, updated_at = now()
    from (values ${rows}) as v(id, status, reason, http_status, page_id)
    where c.id = v.id`);
}

/** Marks still-pending URLs as failed, e.g. when the run processing them gave up. */
export async function failPending(db: Database, jobId: string, ids: number[], reason: string): Promise<{ pages: number; listings: number }> {
  if (ids.length === 0) return { pages: 0, listings: 0 };
  const rows = await db
    .update(crawlUrls)
    .set({ status: 'failed', reason, updatedAt: new Date() })
    .where(and(eq(crawlUrls.jobId, jobId), inArray(crawlUrls.id, ids), eq(crawlUrls.status, 'pending')))
    .returning({ kind: crawlUrls.kind });
  const pages = rows.filter((r) => r.kind === 'page').length;
  return { pages, listings: rows.length - pages };
}

export async function pendingCount(db: Database, jobId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.status, 'pending')));
  return row?.n ?? 0;
}

/**
 * Pages per batch (one run, one write). Each batch costs about fifty queries
 * and a run's bookkeeping whatever its size: on the PostgreSQL manual, 20 pages
 * per batch took 15–16 s where 10 took 19–22 s, for the same peak memory.
 */
export const BATCH_SIZE = 20;

export function toBatches(ids: number[], size = BATCH_SIZE): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size));
  return batches;
}
