import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, codeExamples, jobEvents } from '../../db/schema';
import { dispatch } from '../../inngest/dispatch';
import { startLocalRunner } from '../../inngest/start-local-runner';
import { reembedIfModelChanged } from '../../server/services/ingest/reembed';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * A change of embedding dimension between two boots over one database: the
 * second detects it, re-embeds everything in a job with progress, and search
 * answers from full text until the vectors are back.
 */
let before: TestRuntime;
let after: TestRuntime;
let site: DocsSite;
let sourceId: string;

async function finished(r: TestRuntime, jobId: string) {
  return waitFor(
    async () => {
      const j = await r.caller.jobs.get({ id: jobId });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${jobId}`,
  );
}

beforeAll(async () => {
  site = await startDocsSite();
  before = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
  const crawl = await finished(before, (await before.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 })).id);
  expect(crawl.status).toBe('completed');
  sourceId = crawl.sourceId!;
  // The first "process" stops; the database stays.
  await before.runner!.stop(2_000);
  after = await createTestRuntime({ database: before.database, runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '32' } });
});
afterAll(async () => {
  await after?.close();
  await site?.close();
});

describe('re-embedding after a dimension change', () => {
  it('reports stale rows, keeps text search working, and re-embeds them in a job with progress', async () => {
    const db = after.database.db;
    const total = (await db.$count(chunks, eq(chunks.sourceId, sourceId))) + (await db.$count(codeExamples, eq(codeExamples.sourceId, sourceId)));
    const status = await after.caller.knowledge.embeddingStatus();
    expect(status).toMatchObject({ model: 'archon-hash-v2', dimensions: 32, job: null });
    expect(status.stale.chunks + status.stale.codeExamples).toBe(total);

    // Hold the job in the queue to look at search meanwhile.
    await after.runner!.stop(2_000);
    const job = await reembedIfModelChanged(db, dispatch, after.ingest.embedder);
    expect(job).toMatchObject({ kind: 'reembed', status: 'queued' });
    expect((await after.caller.knowledge.embeddingStatus()).job?.id).toBe(job!.id);
    // No vector has the configured dimension yet: hybrid search still answers, from full text, and says why.
    const meanwhile = await after.caller.knowledge.search({ query: 'configuring the frobnicator', sourceIds: [sourceId] });
    expect(meanwhile.results[0]?.url).toMatch(new RegExp(`^${site.url}/docs/a(#|$)`));
    expect(meanwhile.warnings.join(' ')).toMatch(/being rebuilt/);
    await startLocalRunner(after, { retryBaseMs: 100 });

    const done = await finished(after, job!.id);
    expect(done).toMatchObject({ status: 'completed', embeddingsDone: total, embeddingsFailed: 0 });
    const progress = await db.select().from(jobEvents).where(eq(jobEvents.jobId, job!.id));
    // Subscribers saw it run and end with its counters.
    expect(progress.map((e) => e.payload.status)).toEqual(expect.arrayContaining(['queued', 'running', 'completed']));
    expect(progress.at(-1)!.payload).toMatchObject({ status: 'completed', embeddingsDone: total });

    const dims = await db.selectDistinct({ dim: chunks.embeddingDim }).from(chunks).where(eq(chunks.sourceId, sourceId));
    expect(dims).toEqual([{ dim: 32 }]);
    expect((await after.caller.knowledge.embeddingStatus()).stale).toEqual({ chunks: 0, codeExamples: 0 });
    const vector = await after.caller.knowledge.search({ query: 'configuring the frobnicator', sourceIds: [sourceId], mode: 'vector' });
    expect(vector.warnings).toEqual([]);
    expect(vector.results.length).toBeGreaterThan(0);

    // Nothing changed since: the next boot starts no job.
    expect(await reembedIfModelChanged(db, dispatch, after.ingest.embedder)).toBeNull();
  });

  it('refuses a second re-embedding job while one runs', async () => {
    await after.database.db.execute(sql`update chunks set embedding = null where source_id = ${sourceId}`);
    const first = await after.caller.knowledge.reembed();
    await expect(after.caller.knowledge.reembed()).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await finished(after, first.id)).toMatchObject({ status: 'completed', embeddingsFailed: 0 });
  });
});
