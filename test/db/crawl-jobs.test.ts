import { randomUUID } from 'node:crypto';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chunks, crawlUrls, jobEvents, jobs, pages, runnerRuns, sources } from '../../db/schema';
import { PROGRESS_INTERVAL_MS, recordJobProgress, setJobStatus } from '../../server/services/jobs/job-progress';
import { createJob } from '../../server/services/jobs/jobs';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { startWideSite, type WideSite } from '../fixtures/wide-site';
import { counters, isTerminalEvent, type JobEvent, type JobStream, openJobStream } from '../helpers/job-stream';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

type CrawlInput = Parameters<TestRuntime['caller']['knowledge']['crawl']>[0];
const TERMINAL = ['completed', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rt: TestRuntime;
let site: DocsSite;
let wide: WideSite;
beforeAll(async () => {
  site = await startDocsSite();
  wide = await startWideSite({ pages: 240 });
  rt = await createTestRuntime({
    runner: true,
    poolMax: 8,
    // Two slots: with more, idle slots spin on runs waiting for a per-job concurrency slot
    // (see runner-blocked-idle.test.ts), which starves a long crawl on PGlite.
    env: { CRAWL_ALLOWED_HOSTS: `${site.host},${wide.host}`, EMBEDDING_DIMENSIONS: '64', RUNNER_SLOTS: '2' },
  });
});
const streams: JobStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
  await rt?.close();
  await site?.close();
  await wide?.close();
});

const stream = (input: { jobId?: string; lastEventId?: string }) => {
  const s = openJobStream(rt, input);
  streams.push(s);
  return s;
};
const untilJobEnds = (jobId: string) => (e: JobEvent) => e.jobId === jobId && isTerminalEvent(e);

async function waitForEnd(jobId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: jobId });
      return TERMINAL.includes(j.status) ? j : null;
    },
    timeoutMs,
    `job ${jobId} to finish`,
  );
}
const crawlToEnd = async (input: CrawlInput) => waitForEnd((await rt.caller.knowledge.crawl(input)).id);

async function frontierCounts(jobId: string) {
  const rows = await rt.database.db
    .select({ status: crawlUrls.status, n: count() })
    .from(crawlUrls)
    .where(and(eq(crawlUrls.jobId, jobId), eq(crawlUrls.kind, 'page')))
    .groupBy(crawlUrls.status);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  return { total: rows.reduce((n, r) => n + r.n, 0), done: by.done ?? 0, skipped: by.skipped ?? 0, failed: by.failed ?? 0, pending: by.pending ?? 0 };
}
const countOf = async (table: typeof chunks | typeof pages, sourceId: string) =>
  (await rt.database.db.select({ n: count() }).from(table).where(eq(table.sourceId, sourceId)))[0]!.n;

/** The job's counters agree with its frontier and with the rows it stored. */
async function expectCountersMatchRows(job: Awaited<ReturnType<typeof waitForEnd>>) {
  const f = await frontierCounts(job.id);
  expect(f.pending).toBe(0);
  expect(counters(job)).toEqual({
    pagesDiscovered: f.total,
    pagesFetched: f.done,
    pagesSkipped: f.skipped,
    pagesFailed: f.failed,
    chunksStored: await countOf(chunks, job.sourceId!),
    embeddingsDone: await countOf(chunks, job.sourceId!),
    embeddingsFailed: 0,
  });
}

describe('jobs.list and jobs.get', () => {
  it('filters by status, kind and source, paginates newest first, and 404s unknown ids', async () => {
    const a1 = await crawlToEnd({ url: `${site.url}/docs/a`, mode: 'single' });
    const b = await crawlToEnd({ url: `${site.url}/docs/b`, mode: 'single' });
    const missing = await crawlToEnd({ url: `${site.url}/missing`, mode: 'single' });
    const a2 = await crawlToEnd({ url: `${site.url}/docs/a`, mode: 'single' });
    expect([a1.status, b.status, missing.status, a2.status]).toEqual(['completed', 'completed', 'failed', 'completed']);
    expect(a2.sourceId).toBe(a1.sourceId);

    const bySource = await rt.caller.jobs.list({ sourceId: a1.sourceId! });
    expect(bySource.total).toBe(2);
    expect(bySource.items.map((j) => j.id)).toEqual([a2.id, a1.id]);
    expect(bySource.items[1]).toEqual(await rt.caller.jobs.get({ id: a1.id }));

    const failed = await rt.caller.jobs.list({ status: 'failed' });
    expect(failed.items.map((j) => j.id)).toContain(missing.id);
    expect(failed.items.every((j) => j.status === 'failed')).toBe(true);
    const [dbFailed] = await rt.database.db.select({ n: count() }).from(jobs).where(eq(jobs.status, 'failed'));
    expect(failed.total).toBe(dbFailed!.n);

    const either = await rt.caller.jobs.list({ status: ['completed', 'failed'], kind: 'crawl' });
    expect(either.items.map((j) => j.id)).toEqual(expect.arrayContaining([a1.id, b.id, missing.id, a2.id]));
    expect(await rt.caller.jobs.list({ kind: 'upload' })).toMatchObject({ items: [], total: 0 });
    expect(await rt.caller.jobs.list({ status: 'queued', sourceId: a1.sourceId! })).toMatchObject({ items: [], total: 0 });

    const all = await rt.caller.jobs.list({ limit: 4 });
    const first = await rt.caller.jobs.list({ limit: 2, offset: 0 });
    const second = await rt.caller.jobs.list({ limit: 2, offset: 2 });
    expect([...first.items, ...second.items].map((j) => j.id)).toEqual(all.items.map((j) => j.id));
    expect(all.items.slice(0, 4).map((j) => j.id)).toEqual([a2.id, missing.id, b.id, a1.id]);
    expect(first).toMatchObject({ total: all.total, limit: 2, offset: 0 });
    expect((await rt.caller.jobs.list({ offset: all.total })).items).toEqual([]);

    await expect(rt.caller.jobs.get({ id: randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.jobs.get({ id: 'not-a-uuid' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('job counters', () => {
  it('match the frontier by status and the chunks stored, with fetched, skipped and failed pages', async () => {
    const job = await crawlToEnd({
      url: `${site.url}/trouble/`,
      mode: 'recursive',
      maxDepth: 2,
      scope: 'host',
      timeoutMs: 1000,
      maxBytes: 1_000_000,
      exclude: ['/redirect/**'], // two URLs of one page: see the next tests
    });
    expect(job.status).toBe('completed');
    const f = await frontierCounts(job.id);
    expect(f).toMatchObject({ failed: 7, skipped: 1 }); // skipped: /docs/private/secret, refused by robots.txt
    expect(f.done).toBeGreaterThan(2);
    await expectCountersMatchRows(job);
  });

  // /dup/ reaches page 3 through /dup/alias/3 in the same batch, and (three levels deep) page 1 through /dup/alias/1 in a later one.
  const aliasRows = (jobId: string) =>
    rt.database.db
      .select()
      .from(crawlUrls)
      .where(and(eq(crawlUrls.jobId, jobId), sql`${crawlUrls.url} like '%/alias/%'`))
      .orderBy(crawlUrls.id);

  it('embed and count a page reached twice in one batch once', async () => {
    const job = await crawlToEnd({ url: `${wide.url}/dup/`, mode: 'recursive', maxDepth: 2 });
    expect(job.status).toBe('completed');
    expect((await aliasRows(job.id)).map((a) => [a.url.replace(wide.url, ''), a.status])).toEqual([['/dup/alias/3', 'done']]);
    expect(await countOf(pages, job.sourceId!)).toBe(13);
    expect(job.chunksStored).toBe(await countOf(chunks, job.sourceId!));
    expect(job.embeddingsDone).toBe(await countOf(chunks, job.sourceId!));
  });

  it('count a page stored again from a later batch once', async () => {
    const job = await crawlToEnd({ url: `${wide.url}/dup/`, mode: 'recursive', maxDepth: 3 });
    expect(job.status).toBe('completed');
    expect((await aliasRows(job.id)).map((a) => a.status)).toEqual(['done', 'skipped']);
    expect(await countOf(pages, job.sourceId!)).toBe(13);
    expect(job.chunksStored).toBe(await countOf(chunks, job.sourceId!));
  });
});

describe('knowledge.crawl refusals', () => {
  it('refuses a second crawl of a source whose crawl is still running, naming that job', async () => {
    const running = await rt.caller.knowledge.crawl({ url: `${wide.url}/busy/`, mode: 'recursive', delayMs: 300, concurrency: 1 });
    const err = await rt.caller.knowledge.crawl({ url: `${wide.url}/busy/` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(running.id) });
    expect((await rt.caller.jobs.list({ sourceId: running.sourceId! })).total).toBe(1);
    await rt.caller.jobs.cancel({ id: running.id });
    await rt.runner!.idle(15_000);
    // Once it finished, the source can be crawled again.
    const again = await crawlToEnd({ url: `${wide.url}/busy/`, mode: 'single' });
    expect(again.status).toBe('completed');
  });

  it('refuses invalid include/exclude patterns and non-http URLs without creating anything', async () => {
    const snapshot = async () => ({
      jobs: (await rt.database.db.select({ n: count() }).from(jobs))[0]!.n,
      sources: (await rt.database.db.select({ n: count() }).from(sources))[0]!.n,
    });
    const before = await snapshot();
    for (const input of [{ include: ['/[unclosed/'] }, { exclude: ['/[unclosed/'] }]) {
      const err = await rt.caller.knowledge.crawl({ url: `${site.url}/patterns/`, ...input }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('/[unclosed/') });
    }
    for (const url of ['ftp://x', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
      await expect(rt.caller.knowledge.crawl({ url })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("names the list that holds the bad pattern in the error's details", async () => {
    const err = (await rt.caller.knowledge.crawl({ url: `${site.url}/patterns/`, exclude: ['/[unclosed/'] }).catch((e: unknown) => e)) as {
      cause?: { details?: Record<string, unknown> };
    };
    expect(err.cause?.details).toEqual({ field: 'exclude' });
  });
});

describe('jobs.onProgress', () => {
  it('streams one job from its first event: queued, running, completed, with final counters; resumes from the middle', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
    const s = stream({ jobId: job.id });
    const events = await s.until(untilJobEnds(job.id));
    expect(events.every((e) => e.jobId === job.id)).toBe(true);
    const ids = events.map((e) => e.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    expect(events.filter((e) => e.kind === 'status').map((e) => e.payload.status)).toEqual(['queued', 'running', 'completed']);
    const final = await rt.caller.jobs.get({ id: job.id });
    expect(events.at(-1)!.payload).toMatchObject({ status: 'completed', ...counters(final) });
    expect(await s.quiet(300)).toBe('timeout');

    const middle = Math.floor(events.length / 2);
    const resumed = stream({ jobId: job.id, lastEventId: String(events[middle]!.id) });
    expect((await resumed.until(untilJobEnds(job.id))).map((e) => e.id)).toEqual(ids.slice(middle + 1));
    expect(await resumed.quiet(300)).toBe('timeout');
  });

  it('streams every job from now when no jobId is given', async () => {
    await rt.runner!.idle(15_000);
    const s = stream({});
    await s.ready;
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/b`, mode: 'single' });
    const events = await s.until(untilJobEnds(job.id));
    expect(events.every((e) => e.jobId === job.id)).toBe(true);
    expect(events[0]).toMatchObject({ kind: 'status', payload: { status: 'queued' } });
    expect(events.filter((e) => e.kind === 'status').map((e) => e.payload.status)).toEqual(['queued', 'running', 'completed']);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('refuses an unknown job', async () => {
    await expect(stream({ jobId: randomUUID() }).ready).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('throttles progress events of a busy crawl to about ten a second, and ends with the terminal status', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${wide.url}/many/`, mode: 'recursive', maxDepth: 2, maxPages: 200 });
    const events = await stream({ jobId: job.id }).until(untilJobEnds(job.id), 60_000);
    const final = await rt.caller.jobs.get({ id: job.id });
    expect(final).toMatchObject({ status: 'completed', pagesFetched: 200 });
    expect(events.at(-1)!).toMatchObject({ kind: 'status', payload: { status: 'completed', ...counters(final) } });

    const progress = events.filter((e) => e.kind === 'progress');
    const batches = Math.ceil((200 - 1) / 10) + 1;
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(batches);
    const times = progress.map((e) => new Date(e.createdAt).getTime()).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // PROGRESS_INTERVAL_MS is 100: consecutive progress events are at least that far apart.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(95);
    const seconds = Math.max(1, (times.at(-1)! - times[0]!) / 1000);
    expect(progress.length / seconds).toBeLessThanOrEqual(12);
    // Counters in progress events never go backwards.
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.payload.pagesFetched).toBeGreaterThanOrEqual(progress[i - 1]!.payload.pagesFetched);
  });
});

describe('progress throttling', () => {
  it('writes at most one progress event per interval however often counters change, and the final status carries them all', async () => {
    const job = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: {} });
    await setJobStatus(rt.database.db, job.id, 'running');
    const started = Date.now();
    for (let i = 0; i < 60; i++) await recordJobProgress(rt.database.db, job.id, { pagesFetched: 1, chunksStored: 2 });
    const elapsed = Date.now() - started;
    await setJobStatus(rt.database.db, job.id, 'completed');
    const events = await rt.database.db.select().from(jobEvents).where(eq(jobEvents.jobId, job.id)).orderBy(jobEvents.id);
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsed / PROGRESS_INTERVAL_MS) + 1);
    expect(progress.length).toBeLessThan(60);
    expect(events.at(-1)).toMatchObject({ kind: 'status', payload: { status: 'completed', pagesFetched: 60, chunksStored: 120 } });
    expect(await rt.caller.jobs.get({ id: job.id })).toMatchObject({ pagesFetched: 60, chunksStored: 120 });
  });
});

describe('jobs.cancel', () => {
  it('stops a running crawl at once, keeps what it stored, and refuses a second cancel', async () => {
    const job = await rt.caller.knowledge.crawl({
      url: `${wide.url}/slow/`,
      mode: 'recursive',
      maxDepth: 2,
      maxPages: 200,
      delayMs: 200,
      concurrency: 1,
    });
    await waitFor(async () => (await countOf(pages, job.sourceId!)) > 1, 20_000, 'the first pages to be stored');
    const requested = Date.now();
    const cancelled = await rt.caller.jobs.cancel({ id: job.id });
    expect(cancelled.status).toBe('cancelled');
    await waitFor(async () => (await rt.caller.jobs.get({ id: job.id })).status === 'cancelled', 10_000, 'status cancelled');
    // The whole crawl takes over 40 s (200 pages, 200 ms apart): cancelling does not wait for it.
    expect(Date.now() - requested).toBeLessThan(10_000);

    // The batch in flight stops at its next URL; after that nothing more is fetched or stored.
    await rt.runner!.idle(10_000);
    const stored = await countOf(pages, job.sourceId!);
    const fetched = wide.requests.filter((r) => r.path.startsWith('/slow/')).length;
    await sleep(1_000);
    expect(stored).toBeGreaterThan(0);
    expect(await countOf(pages, job.sourceId!)).toBe(stored);
    expect(wide.requests.filter((r) => r.path.startsWith('/slow/')).length).toBe(fetched);
    expect(fetched).toBeLessThan(100);
    expect((await frontierCounts(job.id)).pending).toBeGreaterThan(0);

    const after = await rt.caller.jobs.get({ id: job.id });
    expect(after.status).toBe('cancelled');
    expect(after.finishedAt).not.toBeNull();
    await expect(rt.caller.jobs.cancel({ id: job.id })).rejects.toMatchObject({ code: 'CONFLICT' });

    const runs = await rt.database.db
      .select({ status: runnerRuns.status })
      .from(runnerRuns)
      .where(and(eq(runnerRuns.functionId, 'archon-crawl-pages'), sql`${runnerRuns.event}->'data'->>'jobId' = ${job.id}`));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => !['cancelled', 'completed'].includes(r.status))).toEqual([]);
  });
});
