import { and, eq, inArray, sql } from 'drizzle-orm';
import { crawlUrls, jobs, pages } from '../../../db/schema';
import { transactionOrNull } from '../../../db/sql';
import { failureReason } from '../../errors';
import { isEmbeddingConfigError } from '../embeddings/types';
import { indexVectorsIfBacklogFull } from '../ingest/index-vectors';
import type { IngestDeps } from '../ingest/ingest-deps';
import { mapLimit } from '../ingest/map-limit';
import { type PrepareResult, prepareDocuments } from '../ingest/prepare';
import { storeDocuments } from '../ingest/store';
import { appendJobLog, isTerminal, lockActiveJob, recordJobProgress, setJobStatus } from '../jobs/job-progress';
import { getJob, jobActivityCheck } from '../jobs/jobs';
import { type CrawlContext, crawlContext } from './crawl-context';
import { crawlJobInput } from './crawl-job';
import { discoveredBy, enqueueUrls, loadPending, pendingCount, recordOutcomes, type UrlOutcome } from './frontier';
import { type FetchStats, mergeFetchStats, newFetchStats, type OverloadKind } from './host-pacer';
import { type PreviousPage, processUrl, type UrlResult } from './process-url';

/**
 * Aliases (redirects, mirrors) can lead several URLs to one page. The page is
 * stored and counted once: later arrivals, in this batch or an earlier one,
 * are marked skipped as duplicates.
 */
async function dropDuplicates(deps: IngestDeps, jobId: string, results: (UrlResult | null)[]) {
  const urls = results.flatMap((r) => (r?.status === 'done' ? r.documents.map((d) => d.url) : []));
  if (urls.length === 0) return;
  const stored = await deps.db
    .select({ url: pages.url })
    .from(crawlUrls)
    .innerJoin(pages, eq(pages.id, crawlUrls.pageId))
    .where(and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.status, 'done'), inArray(pages.url, urls)));
  const seen = new Set(stored.map((s) => s.url));
  for (const r of results) {
    if (r?.status !== 'done' || r.documents.length !== 1) continue;
    const url = r.documents[0]!.url;
    if (seen.has(url)) {
      Object.assign(r, { status: 'skipped', reason: `duplicate of ${url}`, documents: [] });
    } else {
      seen.add(url);
    }
  }
}

type StoredPage = PreviousPage & { id: string };

/** What the source already holds for these URLs: validators for conditional requests, and stored links. */
async function storedPages(db: IngestDeps['db'], sourceId: string, urls: string[]): Promise<Map<string, StoredPage>> {
  if (urls.length === 0) return new Map();
  const rows = await db
    .select({
      id: pages.id,
      url: pages.url,
      etag: pages.etag,
      lastModified: pages.lastModified,
      links: sql<string[] | null>`${pages.metadata}->'links'`,
    })
    .from(pages)
    .where(and(eq(pages.sourceId, sourceId), inArray(pages.url, urls)));
  return new Map(rows.map((r) => [r.url, { id: r.id, etag: r.etag, lastModified: r.lastModified, links: Array.isArray(r.links) ? r.links : [] }]));
}

/** How many times a page is fetched again when its host is overloaded (refused, reset, 429, 503) before it counts as failed. */
export const OVERLOAD_RETRIES = 5;

// Politeness figures per job, summed over this process's batches. Logged once
// the frontier drains, and at most once a minute while a host pushes back.
const POLITENESS_EVERY_MS = 60_000;
const politeness = new Map<string, { stats: FetchStats; loggedAt: number; loggedRequests: number }>();

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** One line for the job log: request rate, retries and why, the concurrency reached, connections opened. */
export function describePoliteness(stats: FetchStats, done: boolean): string {
  const seconds = Math.max(0.001, (stats.lastAt - stats.firstAt) / 1000);
  const why = (Object.entries(stats.overloads) as [OverloadKind, number][]).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return (
    `Politeness${done ? '' : ' so far'}: ${count(stats.requests, 'request')} in ${seconds.toFixed(1)} s ` +
    `(${(stats.requests / seconds).toFixed(1)} requests/s), ${count(stats.retries, 'retry', 'retries')}` +
    `${why ? ` (overload signals: ${why})` : ''}, concurrency reached ${stats.maxInFlight} (host limit now ${stats.limit}), ` +
    `${count(stats.connections, 'connection')} opened`
  );
}

async function reportPoliteness(deps: IngestDeps, jobId: string, batch: FetchStats) {
  const now = Date.now();
  for (const [id, entry] of politeness) if (now - entry.stats.lastAt > 3_600_000) politeness.delete(id);
  if (batch.requests === 0) return;
  const entry = politeness.get(jobId) ?? { stats: newFetchStats(), loggedAt: 0, loggedRequests: 0 };
  mergeFetchStats(entry.stats, batch);
  politeness.set(jobId, entry);
  const drained = (await pendingCount(deps.db, jobId)) === 0;
  const pushedBack = batch.retries > 0 || Object.keys(batch.overloads).length > 0;
  // Two batches finishing together may both see the frontier drained: the second logs only what the first did not.
  if (drained ? entry.loggedRequests === entry.stats.requests : !pushedBack || now - entry.loggedAt < POLITENESS_EVERY_MS) return;
  entry.loggedAt = now;
  entry.loggedRequests = entry.stats.requests;
  await appendJobLog(deps.db, jobId, pushedBack && !drained ? 'warn' : 'info', describePoliteness(entry.stats, drained));
}

const summarise = (items: string[], max = 5) => items.slice(0, max).join('; ') + (items.length > max ? `; and ${items.length - max} more` : '');

/**
 * Crawls one batch of frontier URLs: fetch and convert them, embed them, then
 * in one transaction store the resulting pages, record what happened to each
 * URL, enqueue the links worth following and count it all in the job.
 * Returns the ids of the URLs its pages discovered, the same when the batch
 * runs again; page bodies never leave this function.
 */
export async function processCrawlBatch(deps: IngestDeps, jobId: string, urlIds: number[]): Promise<{ newUrlIds: number[] }> {
  const { db } = deps;
  const job = await getJob(db, jobId);
  if (isTerminal(job.status)) return { newUrlIds: [] };
  const input = crawlJobInput(job);
  const common = crawlContext(deps, input);
  // Fetches share the host's adaptive limit, up to the crawl's concurrency, and are counted for the job log.
  const stats = newFetchStats();
  const ctx: CrawlContext = {
    ...common,
    fetch: (url, extra) => common.fetch(url, { hostConcurrency: input.concurrency, retries: OVERLOAD_RETRIES, stats, ...extra }),
  };
  const rows = await loadPending(db, jobId, urlIds);
  const previous = input.refresh
    ? await storedPages(
        db,
        input.sourceId,
        rows.map((r) => r.url),
      )
    : new Map<string, StoredPage>();

  const isActive = jobActivityCheck(db, jobId);
  const results = await mapLimit(rows, input.concurrency, async (row): Promise<UrlResult | null> => {
    // Checked before each URL so a cancel stops the batch promptly; unvisited URLs stay pending.
    if (!(await isActive())) return null;
    try {
      // Listing files are re-read in full: their stored copy (an llms.txt) keeps no links to walk on from.
      return await processUrl(ctx, row, row.kind === 'page' ? previous.get(row.url) : undefined);
    } catch (err) {
      deps.logger.warn('crawling a URL failed', { url: row.url, error: err as Error });
      return { status: 'failed', reason: failureReason(err), documents: [], enqueue: [] };
    }
  });

  // A page a refresh finds redirecting to another page: its content is stored under the target now, and the copy under
  // its own URL goes. Reached, it was kept as it was, so its old text stayed searchable next to the new one for good.
  // Taken before duplicates are dropped: a target stored by another URL of the crawl still replaces it.
  const movedAway = input.refresh
    ? rows.flatMap((row, i) => {
        const r = results[i];
        const old = row.kind === 'page' ? previous.get(row.url) : undefined;
        return old && r?.status === 'done' && r.documents.length === 1 && r.documents[0]!.url !== row.url
          ? [{ id: old.id, url: row.url, to: r.documents[0]!.url }]
          : [];
      })
    : [];
  await dropDuplicates(deps, jobId, results);
  const documents = results.flatMap((r) => r?.documents ?? []);
  let prepared: PrepareResult;
  try {
    prepared = await prepareDocuments(
      db,
      { sourceId: input.sourceId, embedder: deps.embedder, contextualizer: deps.contextualizer, summarizer: deps.summarizer, ...deps.embedding },
      documents,
    );
  } catch (err) {
    // A misconfigured provider fails every batch the same way: stop the job and say what to fix.
    if (!isEmbeddingConfigError(err)) throw err;
    await setJobStatus(db, jobId, 'failed', err.message);
    return { newUrlIds: [] };
  }

  // Sections of an llms-full.txt are pages the frontier never listed.
  const sectionPages = rows.reduce((n, row, i) => n + (row.kind === 'llms-full' ? (results[i]?.documents.length ?? 0) : 0), 0);
  const pageRows = rows.map((row, i) => ({ row, r: results[i] })).filter(({ row, r }) => r && row.kind === 'page');
  const gone = input.refresh ? rows.filter((row, i) => [404, 410].includes(results[i]?.httpStatus ?? 0) && previous.has(row.url)) : [];
  // The batch's pages, its URLs' outcomes, the links it found and the job's counters commit together, and only while the
  // job is active. A cancel that lands first leaves nothing of the batch stored (its URLs stay pending); one that lands
  // after waits for the job's row and finds the batch counted. Stored separately, a batch storing as the job was cancelled
  // kept pages its counters never added (issue 18).
  const committed = await transactionOrNull(db, async (tx) => {
    const { pageIds, chunksStored } = await storeDocuments(tx, input.sourceId, deps.embedder.model, prepared.documents);
    // A refresh drops pages the site says are gone; an unchanged page keeps its row.
    if (gone.length) {
      await tx.delete(pages).where(
        and(
          eq(pages.sourceId, input.sourceId),
          inArray(
            pages.url,
            gone.map((g) => g.url),
          ),
        ),
      );
    }
    if (movedAway.length) {
      await tx.delete(pages).where(
        and(
          eq(pages.sourceId, input.sourceId),
          inArray(
            pages.id,
            movedAway.map((m) => m.id),
          ),
        ),
      );
    }
    const unchanged = results.flatMap((r) => {
      const id = r?.unchangedUrl ? previous.get(r.unchangedUrl)?.id : undefined;
      return id ? [id] : [];
    });
    if (unchanged.length) await tx.update(pages).set({ fetchedAt: new Date() }).where(inArray(pages.id, unchanged));
    const outcomes: UrlOutcome[] = [];
    rows.forEach((row, i) => {
      const r = results[i];
      if (!r) return;
      const firstUrl = r.documents[0]?.url;
      const pageId = firstUrl ? pageIds.get(firstUrl) : r.unchangedUrl ? previous.get(r.unchangedUrl)?.id : null;
      outcomes.push({ id: row.id, status: r.status, reason: r.reason, httpStatus: r.httpStatus, pageId });
    });
    await recordOutcomes(tx, outcomes);

    // Held from here to the commit, so the job row is locked only for the bookkeeping, not the batch's bulk writes.
    if (!(await lockActiveJob(tx, jobId))) tx.rollback();
    await enqueueUrls(
      tx,
      jobId,
      rows.flatMap((row, i) => (results[i]?.enqueue ?? []).map((e) => ({ ...e, parentId: row.id }))),
      input.maxPages,
    );
    if (sectionPages)
      await tx
        .update(jobs)
        .set({ pagesDiscovered: sql`${jobs.pagesDiscovered} + ${sectionPages}` })
        .where(eq(jobs.id, jobId));
    await recordJobProgress(
      tx,
      jobId,
      {
        pagesFetched: pageRows.filter(({ r }) => r!.status === 'done').length + sectionPages,
        pagesSkipped: pageRows.filter(({ r }) => r!.status === 'skipped').length,
        pagesFailed: pageRows.filter(({ r }) => r!.status === 'failed').length,
        chunksStored,
        embeddingsDone: prepared.embedded + prepared.reused,
        embeddingsFailed: prepared.failed.length,
      },
      documents.at(-1)?.url,
    );
    return true;
  });
  if (!committed) {
    const what = `${documents.length} page(s) fetched as the job ended were not stored`;
    if (documents.length) await appendJobLog(db, jobId, 'info', `${what}: its counters hold what it stored before it ended`);
    return { newUrlIds: [] };
  }
  await indexVectorsIfBacklogFull(deps, jobId);
  if (gone.length) {
    await appendJobLog(db, jobId, 'info', `${gone.length} page(s) removed: the site answered 404 or 410 (${summarise(gone.map((g) => g.url))})`);
  }
  if (movedAway.length) {
    await appendJobLog(
      db,
      jobId,
      'info',
      `${movedAway.length} page(s) removed: they now redirect to another page (${summarise(movedAway.map((m) => `${m.url} → ${m.to}`))})`,
    );
  }
  // What this batch found, whether inserted now or by an earlier run of it (see discoveredBy).
  const newUrlIds = await discoveredBy(db, jobId, urlIds);
  await reportPoliteness(deps, jobId, stats);
  const failures = rows.flatMap((row, i) => (results[i]?.status === 'failed' ? [`${row.url}: ${results[i]!.reason}`] : []));
  if (failures.length) await appendJobLog(db, jobId, 'warn', `${failures.length} URL(s) failed: ${summarise(failures)}`);
  if (prepared.failed.length) {
    const messages = [...new Set(prepared.failed.map((f) => f.message))];
    await appendJobLog(
      db,
      jobId,
      'warn',
      `${prepared.failed.length} chunk(s) could not be embedded and are searchable by text only: ${summarise(messages, 2)}`,
    );
  }

  return { newUrlIds };
}
