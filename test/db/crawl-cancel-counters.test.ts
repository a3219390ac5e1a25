// Issue 18: a crawl cancelled while a batch was being stored kept pages its counters never added (a loaded CI machine
// showed 6 pages stored, 4 counted). What a job reports must match what it stored: a batch's pages and the job's
// counters commit together, so a cancel either comes first and nothing of the batch is stored, or waits for the batch
// and finds it counted. Either way the job as it is when cancelled is the job for good.
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, crawlUrls, jobEvents, pages } from '../../db/schema';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { processCrawlBatch } from '../../server/services/crawl/process-batch';
import { beginCrawl } from '../../server/services/crawl/run-crawl';
import { startCrawl } from '../../server/services/crawl/start-crawl';
import type { IngestDeps } from '../../server/services/ingest/ingest-deps';
import { cancelJob, getJob, type Job } from '../../server/services/jobs/jobs';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { testDbKind } from '../helpers/db';
import { holdTransactionsAt } from '../helpers/hold-transactions';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

let rt: TestRuntime;
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ poolMax: 6, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const noDispatch = async () => {};

/** A crawl of /slowdocs/ whose first batch (the start page) is stored; returns the job and its second batch (pages 1–3). */
async function crawlWithOnePage() {
  const input = crawlInputSchema.parse({ url: `${site.url}/slowdocs/0`, mode: 'recursive', maxDepth: 40 });
  const job = await startCrawl(rt.database.db, noDispatch, input);
  const { batches } = await beginCrawl(rt.ingest, job.id);
  const { newUrlIds } = await processCrawlBatch(rt.ingest, job.id, batches[0]!);
  expect(newUrlIds).toHaveLength(3);
  return { job, next: newUrlIds };
}

/** What the job's source holds, next to what the job says it stored. */
async function storedAndCounted(jobId: string) {
  const db = rt.database.db;
  const job = await getJob(db, jobId);
  const [stored] = await db.select({ n: count() }).from(pages).where(eq(pages.sourceId, job.sourceId!));
  const [storedChunks] = await db.select({ n: count() }).from(chunks).where(eq(chunks.sourceId, job.sourceId!));
  const [status] = await db
    .select({ payload: jobEvents.payload })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.kind, 'status')))
    .orderBy(sql`${jobEvents.id} desc`)
    .limit(1);
  return { job, pages: stored!.n, chunks: storedChunks!.n, lastStatus: status!.payload as Partial<Job> };
}

const pendingOf = async (ids: number[]) =>
  (await rt.database.db.select({ status: crawlUrls.status }).from(crawlUrls).where(inArray(crawlUrls.id, ids)).orderBy(asc(crawlUrls.id))).map(
    (r) => r.status,
  );

describe('a crawl cancelled while a batch is being stored', () => {
  it('stores nothing of a batch the cancel came before, so its counters hold every page it stored', async () => {
    const { job, next } = await crawlWithOnePage();
    // The batch has fetched its pages (each URL found the job active) and is embedding them when the cancel lands.
    let cancelling: Promise<Job> | undefined;
    const embedder = rt.ingest.embedder;
    const deps: IngestDeps = {
      ...rt.ingest,
      embedder: {
        model: embedder.model,
        dimensions: embedder.dimensions,
        embed: async (texts, opts) => {
          // Embedding calls may run side by side: one cancel for all.
          await (cancelling ??= cancelJob(rt.database.db, noDispatch, job.id));
          return embedder.embed(texts, opts);
        },
      },
    };
    const { newUrlIds } = await processCrawlBatch(deps, job.id, next);
    const cancelled = await cancelling!;
    expect(cancelled.status).toBe('cancelled');

    const after = await storedAndCounted(job.id);
    // The job when it was cancelled, the job now, its last status event and the source all say the same.
    expect(cancelled.pagesFetched).toBe(after.pages);
    expect(cancelled.chunksStored).toBe(after.chunks);
    expect(after.job.pagesFetched).toBe(after.pages);
    expect(after.job.chunksStored).toBe(after.chunks);
    expect(after.lastStatus.pagesFetched).toBe(after.pages);
    expect(after.job.status).toBe('cancelled');
    // Only the first batch's page: the one the cancel came before stored nothing and fans nothing out.
    expect(after.pages).toBe(1);
    expect(newUrlIds).toEqual([]);
    // Its URLs were never settled: they stay pending like any the cancel kept from being fetched, and nothing they led to was added.
    expect(await pendingOf(next)).toEqual(['pending', 'pending', 'pending']);
    expect(after.job.pagesDiscovered).toBe(4);
    const logs = await rt.database.db
      .select({ payload: jobEvents.payload })
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, job.id), eq(jobEvents.kind, 'log')));
    expect(logs.map((l) => (l.payload as { message: string }).message)).toContain(
      '3 page(s) fetched as the job ended were not stored: its counters hold what it stored before it ended',
    );
  });

  // Two sessions at once: PGlite has one connection, so there a cancel simply runs before or after the batch's transaction.
  it.runIf(testDbKind() === 'postgres')('counts in full a batch that was committing when the cancel came, and the cancel waits for it', async () => {
    const db = rt.database.db;
    const { job, next } = await crawlWithOnePage();
    // The batch's transaction is held just after it locked the job's row (in the frontier insert that follows).
    const hold = await holdTransactionsAt(db, 0x18, 'crawl_urls', 'insert');
    let batch: ReturnType<typeof processCrawlBatch> | undefined;
    try {
      batch = processCrawlBatch(rt.ingest, job.id, next);
      await waitFor(async () => (await hold.waiting(true)) === 1, 30_000, 'the batch to hold the job row');
      const cancel = cancelJob(db, noDispatch, job.id);
      await waitFor(async () => (await hold.waiting(false)) === 1, 10_000, 'the cancel to wait for the job row');
      await hold.release();
      const [{ newUrlIds }, cancelled] = await Promise.all([batch, cancel]);
      expect(newUrlIds.length).toBeGreaterThan(0);

      const after = await storedAndCounted(job.id);
      expect(cancelled.pagesFetched).toBe(after.pages);
      expect(cancelled.chunksStored).toBe(after.chunks);
      expect(after.job.pagesFetched).toBe(after.pages);
      expect(after.lastStatus.pagesFetched).toBe(after.pages);
      expect(after.job.status).toBe('cancelled');
      expect(after.pages).toBe(4);
      expect(await pendingOf(next)).toEqual(['done', 'done', 'done']);
    } finally {
      await hold.close(batch);
    }
  });
});
