import { and, count, eq, isNull, or, sql } from 'drizzle-orm';
import { crawlUrls, pages, sources } from '../../../db/schema';
import type { RefreshInterval } from '../../schemas/sources';
import { settleCodeExamplesOfJob } from '../ingest/dedupe-code';
import type { IngestDeps } from '../ingest/ingest-deps';
import { appendJobLog, isTerminal, recordJobProgress, setJobStatus } from '../jobs/job-progress';
import { getJob, type Job } from '../jobs/jobs';
import { nextRefresh } from '../knowledge/sources';
import { crawlContext } from './crawl-context';
import { type CrawlJobInput, crawlJobInput, recordResolvedMode } from './crawl-job';
import { enqueueUrls, failPending, pendingCount, toBatches } from './frontier';
import { planSeeds } from './plan-seeds';
import { NOT_MODIFIED, ROBOTS_DISALLOWED } from './process-url';

/** First step of a crawl: decide the mode, seed the frontier, return the batches to fan out. */
export async function beginCrawl(deps: IngestDeps, jobId: string): Promise<{ batches: number[][] }> {
  const { db } = deps;
  const job = await getJob(db, jobId);
  if (isTerminal(job.status)) return { batches: [] };
  await setJobStatus(db, jobId, 'running');
  const input = crawlJobInput(job);
  const { mode, seeds } = await planSeeds(crawlContext(deps, input));
  await recordResolvedMode(db, jobId, mode);
  await appendJobLog(db, jobId, 'info', `Crawling ${input.startUrl} as ${mode}${seeds[0]?.url !== input.startUrl ? ` via ${seeds[0]?.url}` : ''}`);
  const ids = await enqueueUrls(db, jobId, seeds, input.maxPages);
  return { batches: toBatches(ids) };
}

export async function isCrawlDrained(deps: IngestDeps, jobId: string): Promise<boolean> {
  return (await pendingCount(deps.db, jobId)) === 0;
}

/**
 * Why a refresh may not judge unreached pages gone, or null when it may. Only
 * a crawl that reached the site normally says a page is no longer linked: one
 * whose start failed, whose fetches failed (a 503 on a page that alone links
 * to others, a redirect source whose target is stored), that stored nothing,
 * or that hit its page budget says nothing about the pages it did not reach.
 */
async function whyKeepUnreached(deps: IngestDeps, job: Job, input: CrawlJobInput, willFail: boolean): Promise<string | null> {
  if (willFail) return 'the refresh could not crawl any page';
  const { db } = deps;
  // Seeds are the URLs no other URL led to: the start page, or the listing file standing for it.
  const [start] = await db
    .select({ url: crawlUrls.url, status: crawlUrls.status, reason: crawlUrls.reason })
    .from(crawlUrls)
    .where(
      and(
        eq(crawlUrls.jobId, job.id),
        isNull(crawlUrls.parentId),
        sql`not (${crawlUrls.status} = 'done' or (${crawlUrls.status} = 'skipped' and ${crawlUrls.reason} = ${NOT_MODIFIED}))`,
      ),
    )
    .limit(1);
  if (start) return `the start URL ${start.url} was ${start.status}${start.reason ? ` (${start.reason})` : ''}`;
  const [stats] = await db
    .select({
      pages: sql<number>`count(*) filter (where ${crawlUrls.kind} = 'page')`.mapWith(Number),
      // A 404 or 410 is the site saying a page is gone: that is an answer, not a failure.
      failed:
        sql<number>`count(*) filter (where ${crawlUrls.status} = 'failed' and ${crawlUrls.httpStatus} is distinct from 404 and ${crawlUrls.httpStatus} is distinct from 410)`.mapWith(
          Number,
        ),
    })
    .from(crawlUrls)
    .where(eq(crawlUrls.jobId, job.id));
  if (!stats) return 'the refresh recorded no URLs';
  if (stats.failed > 0) return `${stats.failed} URL(s) could not be fetched, and pages only they link to may still exist`;
  if (stats.pages >= input.maxPages) return `the refresh reached its limit of ${input.maxPages} pages`;
  return null;
}

/** After a refresh, pages the crawl positively found no longer linked are deleted; on any doubt, none are. */
async function removeVanishedPages(deps: IngestDeps, job: Job, input: CrawlJobInput, willFail: boolean) {
  const { db } = deps;
  const why = await whyKeepUnreached(deps, job, input, willFail);
  if (why) {
    await appendJobLog(db, job.id, 'warn', `Pages this refresh did not reach were kept: ${why}`);
    return;
  }
  const removed = await db
    .delete(pages)
    .where(
      and(
        eq(pages.sourceId, input.sourceId),
        // Every page this refresh stored or confirmed unchanged was stamped when it did.
        sql`(${pages.fetchedAt} is null or ${pages.fetchedAt} < ${(job.startedAt ?? job.createdAt).toISOString()}::timestamptz)`,
        // A page the refresh reached but did not store (skipped by a rule, say) is kept.
        sql`not exists (select 1 from ${crawlUrls} where ${crawlUrls.jobId} = ${job.id} and ${crawlUrls.url} = ${pages.url})`,
        // So is a page stored under a redirect target when robots.txt now keeps the refresh from
        // its redirect source: unfetched, the source may well still lead there.
        sql`${pages.id} not in (select earlier.page_id from ${crawlUrls} as reached join ${crawlUrls} as earlier on earlier.url = reached.url
          where reached.job_id = ${job.id} and reached.status = 'skipped' and reached.reason = ${ROBOTS_DISALLOWED}
            and earlier.job_id <> ${job.id} and earlier.page_id is not null)`,
      ),
    )
    .returning({ url: pages.url });
  if (removed.length) {
    await appendJobLog(
      db,
      job.id,
      'info',
      `${removed.length} page(s) removed: no longer linked from the site (${removed
        .slice(0, 5)
        .map((r) => r.url)
        .join('; ')}${removed.length > 5 ? '; …' : ''})`,
    );
  }
}

/** When a batch's run gave up for good, its URLs count as failed (its pages in pagesFailed) so the crawl can still finish. */
export async function abandonBatch(deps: IngestDeps, jobId: string, urlIds: number[], reason: string) {
  // Marked and counted together, so the job's pagesFailed is what its frontier holds.
  const { pages, listings } = await deps.db.transaction(async (tx) => {
    const failed = await failPending(tx, jobId, urlIds, reason);
    if (failed.pages) await recordJobProgress(tx, jobId, { pagesFailed: failed.pages });
    return failed;
  });
  if (pages + listings) await appendJobLog(deps.db, jobId, 'error', `${pages + listings} URL(s) failed after retries: ${reason}`);
}

/**
 * Last step: the frontier is drained. The job completes (with a summary of
 * failures) unless nothing at all could be stored, which is a failure.
 */
export async function finalizeCrawl(deps: IngestDeps, jobId: string) {
  const { db } = deps;
  const job = await getJob(db, jobId);
  if (isTerminal(job.status)) return job;
  const input = crawlJobInput(job);
  const reasons = await db
    .select({ reason: crawlUrls.reason, n: count() })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.status, 'failed')))
    .groupBy(crawlUrls.reason)
    .orderBy(sql`count(*) desc`)
    .limit(5);
  // The start page, also when the start URL redirects (/docs → /docs/, http → https): its frontier row names the page it stored.
  const [start] = await db
    .select({ title: pages.title })
    .from(pages)
    .where(
      and(
        eq(pages.sourceId, input.sourceId),
        or(
          eq(pages.url, input.startUrl),
          sql`${pages.id} = (select ${crawlUrls.pageId} from ${crawlUrls} where ${crawlUrls.jobId} = ${jobId} and ${crawlUrls.url} = ${input.startUrl} limit 1)`,
        ),
      ),
    )
    .limit(1);
  // A refresh that found every page unchanged did its job.
  const unchanged = input.refresh ? await db.$count(crawlUrls, and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.reason, NOT_MODIFIED))) : 0;
  const willFail = job.pagesFetched === 0 && job.chunksStored === 0 && unchanged === 0;
  // Decided before the job is marked failed, so a failed refresh never deletes pages.
  if (input.refresh) await removeVanishedPages(deps, job, input, willFail);
  const [source] = await db.select({ interval: sources.refreshInterval }).from(sources).where(eq(sources.id, input.sourceId));
  const now = new Date();
  await db
    .update(sources)
    .set({
      lastCrawledAt: now,
      updatedAt: now,
      nextRefreshAt: nextRefresh((source?.interval ?? 'off') as RefreshInterval, now, now),
      ...(start?.title ? { title: sql`case when ${sources.titleEdited} then ${sources.title} else ${start.title} end` } : {}),
    })
    .where(eq(sources.id, input.sourceId));
  // Pages and listing files apart: the job's pagesFailed counts pages only, and a sitemap is not a page.
  const [failed = { pages: 0, listings: 0 }] = await db
    .select({
      pages: sql<number>`count(*) filter (where ${crawlUrls.kind} = 'page')`.mapWith(Number),
      listings: sql<number>`count(*) filter (where ${crawlUrls.kind} <> 'page')`.mapWith(Number),
    })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.status, 'failed')));
  const what = [failed.pages ? `${failed.pages} URL(s)` : '', failed.listings ? `${failed.listings} listing file(s)` : ''].filter(Boolean);
  const listed = reasons.reduce((n, r) => n + r.n, 0);
  const summary = what.length
    ? `${what.join(' and ')} failed: ${reasons.map((r) => `${r.reason} (${r.n})`).join('; ')}${failed.pages + failed.listings > listed ? '; …' : ''}`
    : null;
  if (willFail) {
    return setJobStatus(db, jobId, 'failed', summary ?? 'No page could be crawled');
  }
  await settleCodeExamplesOfJob(deps, jobId, input.sourceId);
  return setJobStatus(db, jobId, 'completed', summary);
}
