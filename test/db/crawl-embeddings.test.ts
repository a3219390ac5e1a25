import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, codeExamples } from '../../db/schema';
import { embeddingText } from '../../server/services/ingest/chunker';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { type FakeOpenAI, type FakeRequest, fakeEmbedding, startFakeOpenAI } from '../fixtures/fake-openai';
import { isTerminalEvent, openJobStream } from '../helpers/job-stream';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * The crawl pipeline with an OpenAI-compatible provider: the `openai` SDK
 * against a local fake (batching, base64 decoding, retries on 429 and 5xx,
 * dimension checks). One runtime; every scenario crawls its own source, so
 * nothing is reused from an earlier one, and scripts the fake before starting.
 * The scenario that leaves failures scripted runs last.
 */
const DIMS = 64;
const MODEL = 'text-embedding-3-small';
const BATCH = 3;

let rt: TestRuntime;
let site: DocsSite;
let fake: FakeOpenAI;
beforeAll(async () => {
  site = await startDocsSite();
  fake = await startFakeOpenAI({ dimensions: 1536 });
  rt = await createTestRuntime({
    runner: true,
    poolMax: 8,
    env: {
      CRAWL_ALLOWED_HOSTS: site.host, // the provider's URL is not a crawl target and needs no allowance
      EMBEDDING_BASE_URL: fake.url,
      EMBEDDING_API_KEY: 'test',
      EMBEDDING_MODEL: MODEL,
      EMBEDDING_DIMENSIONS: String(DIMS),
      EMBEDDING_BATCH_SIZE: String(BATCH),
    },
  });
});
afterAll(async () => {
  await rt?.close();
  await fake?.close();
  await site?.close();
});

type Crawl = Parameters<TestRuntime['caller']['knowledge']['crawl']>[0];
async function crawlToEnd(input: Crawl) {
  const job = await rt.caller.knowledge.crawl(input);
  return waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${job.id}`,
  );
}
const chunksOf = (sourceId: string) => rt.database.db.select().from(chunks).where(eq(chunks.sourceId, sourceId)).orderBy(asc(chunks.id));
/** Embedding requests made while `fn` ran. */
async function requestsDuring<T>(fn: () => Promise<T>): Promise<[T, FakeRequest[]]> {
  const from = fake.requests.length;
  const result = await fn();
  return [result, fake.requests.slice(from).filter((r) => r.path === '/v1/embeddings')];
}
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe('crawling with an OpenAI-compatible embedding provider', () => {
  it("stores the provider's vectors for each chunk's embedding text, requested in base64 batches of at most EMBEDDING_BATCH_SIZE", async () => {
    const [job, requests] = await requestsDuring(() => crawlToEnd({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 }));
    expect(job.status).toBe('completed');
    const rows = await chunksOf(job.sourceId!);
    expect(rows.length).toBeGreaterThan(BATCH);
    expect(job).toMatchObject({ chunksStored: rows.length, embeddingsDone: rows.length, embeddingsFailed: 0 });

    for (const row of rows) {
      expect(row).toMatchObject({ embeddingModel: MODEL, embeddingDim: DIMS });
      expect(row.embedding).toHaveLength(DIMS);
      const expected = fakeEmbedding(embeddingText({ ...row, index: row.chunkIndex }, row.title), DIMS);
      expect(maxDiff(row.embedding!, expected)).toBeLessThan(1e-6);
    }

    expect(requests.length).toBeGreaterThanOrEqual(Math.ceil(rows.length / BATCH));
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.step).toBe('ok');
      expect(r.body).toMatchObject({ model: MODEL, encoding_format: 'base64', dimensions: DIMS });
      expect(r.body.input.length).toBeGreaterThan(0);
      expect(r.body.input.length).toBeLessThanOrEqual(BATCH);
      expect(r.headers.authorization).toBe('Bearer test');
    }
    // Every chunk and code example was embedded exactly once, from exactly the text its stored vector belongs to.
    const examples = await rt.database.db.select().from(codeExamples).where(eq(codeExamples.sourceId, job.sourceId!));
    expect(examples.length).toBeGreaterThan(0);
    const sent = requests.flatMap((r) => r.body.input as string[]).sort();
    expect(sent).toEqual(
      [
        ...rows.map((row) => embeddingText({ ...row, index: row.chunkIndex }, row.title)),
        ...examples.map((e) => `${e.code}\n\nSummary: ${e.summary}`),
      ].sort(),
    );
  });

  it('gives identical texts identical vectors', async () => {
    const a = await crawlToEnd({ url: `${site.url}/docs/b`, mode: 'single', title: 'Twin' });
    const b = await crawlToEnd({ url: `${site.url}/docs/b?lang=en`, mode: 'single', title: 'Twin' });
    expect(a.sourceId).not.toBe(b.sourceId);
    const [ra, rb] = [await chunksOf(a.sourceId!), await chunksOf(b.sourceId!)];
    expect(ra.length).toBeGreaterThan(0);
    expect(rb.map((r) => [r.content, r.embedding])).toEqual(ra.map((r) => [r.content, r.embedding]));
  });

  it('waits out 429s with retry-after-ms and still embeds every chunk', async () => {
    fake.script([{ type: 'rate-limit', retryAfterMs: 30, times: 3 }]);
    const [job, requests] = await requestsDuring(() => crawlToEnd({ url: `${site.url}/docs/a`, mode: 'single' }));
    expect(job.status).toBe('completed');
    expect(requests.filter((r) => r.step === 'rate-limit')).toHaveLength(3);
    const rows = await chunksOf(job.sourceId!);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.embedding?.length === DIMS)).toBe(true);
    expect(job).toMatchObject({ embeddingsDone: rows.length, embeddingsFailed: 0, error: null });
  });

  it('fails the job naming EMBEDDING_DIMENSIONS when the provider answers with another dimension, storing no such vector', async () => {
    // The start page's batch is embedded normally; the next batch gets 32-dimensional vectors.
    fake.script([{ type: 'ok' }, { type: 'wrong-dimensions', dimensions: 32 }]);
    const [job, requests] = await requestsDuring(() => crawlToEnd({ url: `${site.url}/docs/c/`, mode: 'recursive', maxDepth: 2 }));
    expect(requests.some((r) => r.step === 'wrong-dimensions')).toBe(true);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/EMBEDDING_DIMENSIONS/);
    expect(job.error).toMatch(/32/);
    await rt.runner!.idle(15_000);
    const rows = await chunksOf(job.sourceId!);
    expect(rows.filter((r) => r.embedding !== null && r.embedding.length !== DIMS)).toEqual([]);
    expect(rows.filter((r) => r.embeddingDim !== null && r.embeddingDim !== DIMS)).toEqual([]);
    // What the first batch stored before the mismatch keeps its (correct) vectors.
    expect(rows.some((r) => r.embedding?.length === DIMS)).toBe(true);
  });

  it('stores chunks without embeddings when the provider keeps failing, counts them, and says they are searchable by text only', async () => {
    fake.script([{ type: 'error', status: 500, headers: { 'retry-after-ms': '5' }, times: 100_000 }]);
    const [job, requests] = await requestsDuring(() => crawlToEnd({ url: `${site.url}/docs/?v=500`, mode: 'recursive', maxDepth: 2 }));
    expect(job.status).toBe('completed');
    expect(job.pagesFetched).toBeGreaterThan(1);
    const rows = await chunksOf(job.sourceId!);
    expect(rows.length).toBeGreaterThan(BATCH);
    // Null, never a zero or partial vector; no model recorded for a vector that does not exist.
    expect(rows.map((r) => [r.embedding, r.embeddingModel, r.embeddingDim])).toEqual(rows.map(() => [null, null, null]));
    expect(job).toMatchObject({ chunksStored: rows.length, embeddingsDone: 0, embeddingsFailed: rows.length });
    const [embedded] = await rt.database.db
      .select({ id: chunks.id })
      .from(chunks)
      .where(and(eq(chunks.sourceId, job.sourceId!), isNotNull(chunks.embedding)));
    expect(embedded).toBeUndefined();
    expect(
      (
        await rt.database.db
          .select()
          .from(chunks)
          .where(and(eq(chunks.sourceId, job.sourceId!), isNull(chunks.embedding)))
      ).length,
    ).toBe(rows.length);

    // Each failed batch was tried 1 + maxRetries (4) times.
    const failedRequests = requests.filter((r) => r.step === 'error');
    expect(failedRequests.length).toBeGreaterThanOrEqual(5 * Math.ceil(rows.length / BATCH));
    expect(failedRequests.length % 5).toBe(0);

    const stream = openJobStream(rt, { jobId: job.id });
    try {
      const events = await stream.until(isTerminalEvent, 10_000);
      const logs = events.filter((e) => e.kind === 'log').map((e) => e.payload as { level: string; message: string });
      // One warning per crawl batch, counting that batch's chunks.
      const warnings = logs.filter((l) => /could not be embedded and are searchable by text only/.test(l.message));
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.every((w) => w.level === 'warn' && /HTTP 500/.test(w.message))).toBe(true);
      expect(warnings.reduce((n, w) => n + Number(/^(\d+) chunk\(s\)/.exec(w.message)?.[1] ?? NaN), 0)).toBe(rows.length);
    } finally {
      await stream.close();
    }
  });
});
