import { and, eq, inArray, sql } from 'drizzle-orm';
import { crawlUrls, jobs, pages } from '../../../db/schema';
import { prepareDocuments } from '../ingest/prepare';
import { storeDocuments } from '../ingest/store';
import { appendJobLog } from '../job-log';
import { isEmbeddingConfigError } from '../embeddings/types';
import { getJob, isJobActive, isTerminal, recordJobProgress, setJobStatus } from '../jobs';
import { crawlContext } from './crawl-context';
import type { CrawlDeps } from './crawl-deps';
import { enqueueUrls, loadPending, recordOutcomes, type UrlOutcome } from './frontier';
import type { CrawlJobInput } from './job-input';
import { mapLimit } from './limits';
import { processUrl, type UrlResult } from './process-url';

/**
 * Aliases (redirects, mirrors) can lead several URLs to one page. The page is
 * stored and counted once: later arrivals, in this batch or an earlier one,
 * are marked skipped as duplicates.
 */
async function dropDuplicates(deps: CrawlDeps, jobId: string, results: (UrlResult | null)[]) {
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

const summarise = (items: string[], max = 5) =>
  items.slice(0, max).join('; ') + (items.length > max ? `; and ${items.length - max} more` : '');

/**
 * Crawls one batch of frontier URLs: fetch and convert them, embed and store
 * the resulting pages in one write, record what happened to each URL, and
 * enqueue the links worth following. Returns the new frontier ids only; page
 * bodies never leave this function.
 */
export async function processCrawlBatch(deps: CrawlDeps, jobId: string, urlIds: number[]): Promise<{ newUrlIds: number[] }> {
  const { db } = deps;
  const job = await getJob(db, jobId);
  if (isTerminal(job.status)) return { newUrlIds: [] };
  const input = job.input as CrawlJobInput;
  const ctx = crawlContext(deps, input);
  const T: Record<string, number> = {}; let t = performance.now(); const t00 = t; const lap = (k: string) => { const n = performance.now(); T[k] = (T[k] ?? 0) + n - t; t = n; };
  const rows = await loadPending(db, jobId, urlIds); lap('load');

  const results = await mapLimit(rows, input.concurrency, async (row): Promise<UrlResult | null> => {
    // Checked per URL so a cancel stops the batch promptly; unvisited URLs stay pending.
    if (!(await isJobActive(db, jobId))) return null;
    try {
      return await processUrl(ctx, row);
    } catch (err) {
      deps.logger.warn('crawling a URL failed', { url: row.url, error: err as Error });
      return { status: 'failed', reason: (err as Error).message, documents: [], enqueue: [] };
    }
  });

  lap('fetch+convert');
  await dropDuplicates(deps, jobId, results); lap('dedupe');
  const documents = results.flatMap((r) => r?.documents ?? []);
  let prepared;
  try {
    prepared = await prepareDocuments(
      db,
      { sourceId: input.sourceId, embedder: deps.embedder, contextualizer: deps.contextualizer, ...deps.embedding },
      documents,
    );
  } catch (err) {
    // A misconfigured provider fails every batch the same way: stop the job and say what to fix.
    if (!isEmbeddingConfigError(err)) throw err;
    await setJobStatus(db, jobId, 'failed', err.message);
    return { newUrlIds: [] };
  }
  lap('prepare');
  const { pageIds, chunksStored } = await storeDocuments(db, input.sourceId, deps.embedder.model, prepared.documents); lap('store');

  const outcomes: UrlOutcome[] = [];
  rows.forEach((row, i) => {
    const r = results[i];
    if (!r) return;
    const firstUrl = r.documents[0]?.url;
    outcomes.push({ id: row.id, status: r.status, reason: r.reason, httpStatus: r.httpStatus, pageId: firstUrl ? pageIds.get(firstUrl) : null });
  });
  await recordOutcomes(db, outcomes);
  lap('outcomes');
  const newUrlIds = await enqueueUrls(db, jobId, results.flatMap((r) => r?.enqueue ?? []), input.maxPages); lap('enqueue');

  // Sections of an llms-full.txt are pages the frontier never listed.
  const sectionPages = rows.reduce((n, row, i) => n + (row.kind === 'llms-full' ? (results[i]?.documents.length ?? 0) : 0), 0);
  if (sectionPages) await db.update(jobs).set({ pagesDiscovered: sql`${jobs.pagesDiscovered} + ${sectionPages}` }).where(eq(jobs.id, jobId));
  const pageRows = rows.map((row, i) => ({ row, r: results[i] })).filter(({ row, r }) => r && row.kind === 'page');
  await recordJobProgress(
    db,
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
  const failures = rows.flatMap((row, i) => (results[i]?.status === 'failed' ? [`${row.url}: ${results[i]!.reason}`] : []));
  if (failures.length) await appendJobLog(db, jobId, 'warn', `${failures.length} URL(s) failed: ${summarise(failures)}`);
  if (prepared.failed.length) {
    const messages = [...new Set(prepared.failed.map((f) => f.message))];
    await appendJobLog(db, jobId, 'warn', `${prepared.failed.length} chunk(s) could not be embedded and are searchable by text only: ${summarise(messages, 2)}`);
  }
  lap('progress');
  const g = globalThis as any; g.__T ??= {}; for (const k in T) g.__T[k] = (g.__T[k] ?? 0) + T[k]!; g.__T.total = (g.__T.total ?? 0) + performance.now() - t00; g.__B = (g.__B ?? 0) + 1;
  return { newUrlIds };
}
