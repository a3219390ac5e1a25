import { and, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClient } from '../../db/driver';
import { chunks, codeExamples, jobEvents } from '../../db/schema';
import { queryRows } from '../../db/sql';
import { backlogIsFull, flushVectorBacklog } from '../../db/vector-backlog';
import { ensureVectorIndexes, vectorIndexName } from '../../db/vector-index';
import type { ChunkHit } from '../../server/services/search/hits';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

const DIM = 64;
let rt: TestRuntime;
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: String(DIM) } });
  // As start-up does for the configured dimension.
  await ensureVectorIndexes(rt.database.db, DIM);
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const db = () => rt.database.db;
const backlog = async (table: typeof chunks | typeof codeExamples) =>
  (
    await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(table)
      .where(and(isNull(table.indexedDim), eq(table.embeddingDim, DIM)))
  )[0]!.n;
const indexOid = async () =>
  (await queryRows<{ oid: number }>(db(), sql`select ${vectorIndexName(db(), 'chunks', DIM)}::regclass::oid as oid`))[0]!.oid;
const vectorSearch = async () =>
  ((await rt.caller.knowledge.search({ query: 'install the frobnicator', mode: 'vector', limit: 20 })).results as ChunkHit[]).map((r) => [
    r.chunkId,
    r.score.vectorRank,
    r.score.vectorSimilarity,
  ]);

describe('the vector backlog', () => {
  let sourceId: string;

  it('holds a crawl’s vectors while it runs, and its last step builds the index over them in bulk', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
    const done = await waitFor(
      async () => {
        const j = await rt.caller.jobs.get({ id: job.id });
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
      },
      30_000,
      'the crawl to finish',
    );
    expect(done.status).toBe('completed');
    sourceId = done.sourceId!;
    expect(done.chunksStored).toBeGreaterThan(3);
    expect(await backlog(chunks)).toBe(0);
    const indexed = await db().select({ n: sql<number>`count(*)::int` }).from(chunks).where(eq(chunks.indexedDim, DIM));
    expect(indexed[0]!.n).toBe(done.chunksStored);
    const logs = await db()
      .select({ payload: jobEvents.payload })
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, job.id), eq(jobEvents.kind, 'log')));
    expect(logs.map((l) => l.payload.message)).toContainEqual(
      expect.stringMatching(/^Rebuilt the chunks vector index in bulk to take in \d+ new vector/),
    );
  });

  it('is read exactly by search: rows moved back to it are found with the same ranks and similarities', async () => {
    const before = await vectorSearch();
    expect(before.length).toBeGreaterThan(3);
    // The best and the worst hit go back to the backlog.
    const moved = [before[0]![0], before.at(-1)![0]] as number[];
    await db().update(chunks).set({ indexedDim: null }).where(sql`${chunks.id} in ${moved}`);
    expect(await backlog(chunks)).toBe(moved.length);
    expect(await vectorSearch()).toEqual(before);
  });

  it('takes a small backlog into the existing index row by row, and a large one by rebuilding it concurrently on a server', async () => {
    const before = await vectorSearch();
    const oid = await indexOid();
    expect(await flushVectorBacklog(db(), DIM)).toEqual([{ table: 'chunks', rows: expect.any(Number), rebuilt: false }]);
    expect(await indexOid()).toBe(oid);
    expect(await backlog(chunks)).toBe(0);
    expect(await vectorSearch()).toEqual(before);

    await db().update(chunks).set({ indexedDim: null }).where(eq(chunks.sourceId, sourceId));
    await db().update(codeExamples).set({ indexedDim: null }).where(eq(codeExamples.sourceId, sourceId));
    const flushed = await flushVectorBacklog(db(), DIM);
    expect(flushed.map((f) => [f.table, f.rebuilt])).toEqual([
      ['chunks', true],
      ['code_examples', true],
    ]);
    expect(await indexOid()).not.toBe(oid);
    // Built concurrently, and finished: valid and ready, so searches use it.
    const [state] = await queryRows<{ valid: boolean; ready: boolean }>(
      db(),
      sql`select indisvalid as valid, indisready as ready from pg_index where indexrelid = ${vectorIndexName(db(), 'chunks', DIM)}::regclass`,
    );
    expect(state).toEqual({ valid: true, ready: true });
    expect([await backlog(chunks), await backlog(codeExamples)]).toEqual([0, 0]);
    // Vacuumed afterwards (the embedded database has no autovacuum): its pages are all-visible again.
    const [stats] = await queryRows<{ visible: number; pages: number }>(
      db(),
      sql`select relallvisible as visible, relpages as pages from pg_class where relname = 'chunks'`,
    );
    expect(stats!.visible).toBeGreaterThan(0);
    expect(stats!.visible).toBe(stats!.pages);
    // Analysed by column: the table has statistics, the index's expression none (gathering them held a copy of every
    // sampled vector in PGlite's memory). Embedded only: a server's autovacuum may analyse the table meanwhile.
    if (postgresClient(db()) === null) {
      const analysed = await queryRows<{ name: string }>(
        db(),
        sql`select distinct tablename as name from pg_stats where tablename in ('chunks', ${vectorIndexName(db(), 'chunks', DIM)})`,
      );
      expect(analysed.map((a) => a.name)).toEqual(['chunks']);
    }
    expect(await vectorSearch()).toEqual(before);
    expect(await flushVectorBacklog(db(), DIM)).toEqual([]);
  });

  it('keeps answering searches on a server while the index is rebuilt', async (ctx) => {
    if (postgresClient(db()) === null) return ctx.skip(); // one backend: the embedded database builds in the transaction
    const before = await vectorSearch();
    await db().update(chunks).set({ indexedDim: null }).where(eq(chunks.sourceId, sourceId));
    // A transaction with an older snapshot, on another table: a concurrent build waits for it before it finishes,
    // which holds the build open long enough to search during it. A build inside the flush's transaction did not
    // wait, and held every search of the table on its lock while it ran.
    const reader = await postgresClient(db())!.reserve();
    try {
      await reader.unsafe('begin isolation level repeatable read');
      await reader.unsafe('select 1 from sources limit 1');
      let done = false;
      const fold = flushVectorBacklog(db(), DIM).finally(() => {
        done = true;
      });
      await waitFor(async () => (await backlog(chunks)) === 0, 10_000, 'the backlog marked');
      const during = await vectorSearch();
      expect(done).toBe(false);
      expect(during).toEqual(before);
      await reader.unsafe('commit');
      expect(await fold).toEqual([{ table: 'chunks', rows: expect.any(Number), rebuilt: true }]);
    } finally {
      reader.release();
    }
    expect(await vectorSearch()).toEqual(before);
  });

  it('does not queue searches behind its drop of the index while another session writes to the table', async (ctx) => {
    if (postgresClient(db()) === null) return ctx.skip(); // one backend: nothing else writes while the embedded database rebuilds
    const before = await vectorSearch();
    await db().update(chunks).set({ indexedDim: null }).where(eq(chunks.sourceId, sourceId));
    // A crawl's batch, mid-transaction: DROP INDEX must wait for it, and a search queued behind a waiting DROP waits too.
    const writer = await postgresClient(db())!.reserve();
    let fold: Promise<unknown> | undefined;
    try {
      await writer.unsafe('begin');
      await writer.unsafe('lock table chunks in row exclusive mode');
      fold = flushVectorBacklog(db(), DIM);
      await new Promise((r) => setTimeout(r, 400));
      const answered = await Promise.race([vectorSearch(), new Promise((r) => setTimeout(() => r('no answer within 5 s'), 5_000))]);
      expect(answered).toEqual(before);
    } finally {
      await writer.unsafe('commit');
      writer.release();
    }
    expect(await fold).toEqual([{ table: 'chunks', rows: expect.any(Number), rebuilt: true }]);
    expect(await backlog(chunks)).toBe(0);
    expect(await vectorSearch()).toEqual(before);
  });

  it('takes a small backlog in slices, each its own transaction, so that other statements run in between', async () => {
    // Copies of the crawl's chunks make the index large enough that a backlog of 150 goes in row by row.
    await db().execute(sql`insert into chunks (source_id, page_id, chunk_index, title, heading_path, content, context, char_count, content_hash,
        embedding, embedding_model, embedding_dim, indexed_dim)
      select source_id, page_id, chunk_index + k * 10000, title, heading_path, content, context, char_count, content_hash,
        embedding, embedding_model, embedding_dim, indexed_dim
      from chunks cross join generate_series(1, 200) k where source_id = ${sourceId} and chunk_index < 10000`);
    try {
      await db().execute(sql`update chunks set indexed_dim = null where id in (select id from chunks where chunk_index >= 10000 limit 150)`);
      // The fold goes by the index's row count, which ANALYZE refreshes.
      await db().execute(sql`analyze chunks`);
      let done = false;
      const fold = flushVectorBacklog(db(), DIM).finally(() => {
        done = true;
      });
      // What another caller sees while the fold runs: with slices, a backlog part folded in.
      const seen: number[] = [];
      while (!done) seen.push(await backlog(chunks));
      expect(await fold).toEqual([{ table: 'chunks', rows: 150, rebuilt: false }]);
      expect(seen.some((n) => n > 0 && n < 150)).toBe(true);
      expect(await backlog(chunks)).toBe(0);
    } finally {
      await db().execute(sql`delete from chunks where chunk_index >= 10000`);
    }
  });

  it('says when it has grown past a limit, counting no further', async () => {
    expect(await backlogIsFull(db(), DIM, 1)).toBe(false);
    await db().update(chunks).set({ indexedDim: null }).where(eq(chunks.sourceId, sourceId));
    const n = await backlog(chunks);
    expect(await backlogIsFull(db(), DIM, n)).toBe(true);
    expect(await backlogIsFull(db(), DIM, n + 1)).toBe(false);
    await flushVectorBacklog(db(), DIM);
  });

  it('folds during a job at 2,000 rows on a server, where a fold holds no search, and 10,000 embedded', async () => {
    const limit = testDbKind() === 'postgres' ? 2_000 : 10_000;
    // Copies of the crawl's chunks, not yet in the index: with the backlog already there, one row short of the limit.
    const copy = (n: number, base: number) =>
      db().execute(sql`insert into chunks (source_id, page_id, chunk_index, title, heading_path, content, context, char_count, content_hash,
          embedding, embedding_model, embedding_dim, indexed_dim)
        select source_id, page_id, chunk_index + (${base} + k) * 10000, title, heading_path, content, context, char_count, content_hash,
          embedding, embedding_model, embedding_dim, null
        from chunks cross join generate_series(1, 10000) k where source_id = ${sourceId} and chunk_index < 10000 limit ${n}`);
    try {
      await copy(limit - 1 - (await backlog(chunks)), 10_000);
      expect(await backlog(chunks)).toBe(limit - 1);
      expect(await backlogIsFull(db(), DIM)).toBe(false);
      await copy(1, 20_000);
      expect(await backlog(chunks)).toBe(limit);
      expect(await backlogIsFull(db(), DIM)).toBe(true);
    } finally {
      await db().execute(sql`delete from chunks where chunk_index >= 10000`);
    }
  });

  it('refuses a row whose indexed dimension differs from its embedding’s', async () => {
    const [row] = await db().select({ id: chunks.id }).from(chunks).limit(1);
    const err = await db()
      .update(chunks)
      .set({ indexedDim: DIM + 1 })
      .where(eq(chunks.id, row!.id))
      .catch((e: Error) => e);
    expect(String((err as Error & { cause?: Error }).cause?.message)).toMatch(/chunks_embedding_dim_check/);
  });
});
