import { sql } from 'drizzle-orm';
import { postgresClient } from './driver';
import { queryRows } from './sql';
import type { Database } from './types';
import { EMBEDDING_TABLES, type EmbeddingTable, VECTOR_INDEX_LOCK, vectorIndexName } from './vector-index';

/**
 * The vector backlog: embedded rows not yet in their HNSW index
 * (`indexed_dim` null). Inserting into an HNSW index on disk costs about three
 * times what building it in bulk does (pgvector re-reads and re-scores each
 * neighbour it links), and on the PostgreSQL manual those inserts were a third
 * of a crawl's CPU. So ingestion writes new vectors to the backlog, and the job
 * folds them in at its end (flushVectorBacklog says how). Search reads the
 * backlog exactly meanwhile, so no row is ever missing from vector results.
 */

/**
 * maintenance_work_mem for an embedded rebuild: how much of PGlite's
 * WebAssembly memory the HNSW graph may take. That memory never shrinks, so
 * what a build takes stays in the server's RSS. 64MB (PGlite's default) holds
 * the graph of about 10,000 vectors of 1536 dimensions, the manual and twice
 * it; a larger index builds the rest on disk. Crawling four copies of the
 * manual (a 20,000-row rebuild), 256MB left the embedded server's peak at
 * 664–669 MB and 64MB at 576–602 MB, for a build that held the database
 * 18 s instead of 19–20 s (docs/benchmarks.md).
 */
const EMBEDDED_BUILD_MEMORY = '64MB';

/**
 * A backlog this large is folded in during the job, not only at its end, so
 * that reading it exactly stays cheap for searches. On a PostgreSQL server a
 * fold holds no search, and every search during a crawl reads the backlog:
 * with three crawls of the manual at once, a 10,000-row limit left searches
 * at p50 80–98 ms, and 2,000 rows at p50 40–52 ms, for crawls about 16 %
 * longer (one crawl 18 %; docs/benchmarks.md). The embedded database's one
 * backend is held by every fold, so there a larger backlog is cheaper: the
 * manual is folded once, at the end.
 */
export const BACKLOG_FLUSH_ROWS = { server: 2_000, embedded: 10_000 } as const;

const dimLiteral = (dim: number) => sql.raw(String(Math.trunc(dim)));

async function counts(db: Database, table: EmbeddingTable, dim: number): Promise<{ backlog: number; indexed: number }> {
  const t = sql.raw(`"${table}"`);
  // The index's own row count (set when it is built, refreshed by vacuum) is
  // enough for a rule of thumb, and costs nothing to read.
  const [row] = await queryRows<{ backlog: number; indexed: number }>(
    db,
    sql`select (select count(*)::int from ${t} where indexed_dim is null and embedding_dim = ${dimLiteral(dim)}) as backlog,
      coalesce((select greatest(reltuples, 0)::float8 from pg_class where oid = to_regclass(${vectorIndexName(db, table, dim)})), 0) as indexed`,
  );
  return { backlog: Number(row?.backlog ?? 0), indexed: Number(row?.indexed ?? 0) };
}

/** Whether either table's backlog has reached `limit` rows (counting no further); asked after every batch, in one query. */
export async function backlogIsFull(
  db: Database,
  dim: number,
  limit: number = postgresClient(db) ? BACKLOG_FLUSH_ROWS.server : BACKLOG_FLUSH_ROWS.embedded,
): Promise<boolean> {
  const waiting = EMBEDDING_TABLES.map(
    (table) =>
      sql`(select count(*) from (select 1 from ${sql.raw(`"${table}"`)} where indexed_dim is null and embedding_dim = ${dimLiteral(dim)} limit ${limit}) b) >= ${limit}`,
  );
  const [row] = await queryRows<{ full: boolean }>(db, sql`select ${sql.join(waiting, sql` or `)} as full`);
  return row?.full === true;
}

export type BacklogFlush = { table: EmbeddingTable; rows: number; rebuilt: boolean };

/**
 * How long one slice of a row-by-row fold may hold the database. On the
 * embedded database every statement holds every other caller (there is one
 * backend), so a search or a health check waits at most about this long
 * behind the fold instead of for all of it.
 */
export const FOLD_SLICE_MS = 100;
const FIRST_SLICE_ROWS = 25;
const MAX_SLICE_ROWS = 5000;

/**
 * Moves the backlog into the HNSW index.
 *
 * On a PostgreSQL server a backlog of half the index or more rebuilds it: one
 * short transaction drops the index and marks the rows, then the index is
 * built again with CREATE INDEX CONCURRENTLY, which holds neither searches nor
 * writes (a build inside the transaction held every search of the table on
 * its lock for the whole build: 1.7 s for the manual, more with several
 * crawls). Until it is ready, vector search scans the table exactly.
 *
 * The embedded database has one backend and no CONCURRENTLY: there the
 * rebuild runs in the transaction, and holds every statement for its length
 * (2–9 s for the manual, as the machine is busy). Inserting the backlog row by
 * row in slices instead held nothing longer than a slice, but cost 2–2.4 times
 * the crawl's time in CPU (docs/benchmarks.md), so it is kept for backlogs
 * under half the index: those are inserted row by row in slices of about
 * FOLD_SLICE_MS, each its own transaction, so that other statements run in
 * between. Tables go in a fixed order, under the vector index lock.
 */
export async function flushVectorBacklog(db: Database, dim: number): Promise<BacklogFlush[]> {
  const out: BacklogFlush[] = [];
  const embedded = postgresClient(db) === null;
  for (const table of EMBEDDING_TABLES) {
    const plan = await retryingLockWaits(async (waitBriefly) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_INDEX_LOCK})`);
        const { backlog, indexed } = await counts(tx, table, dim);
        if (backlog === 0) return null;
        const name = vectorIndexName(tx, table, dim);
        const [def] = await queryRows<{ indexdef: string }>(
          tx,
          sql`select indexdef from pg_indexes where schemaname = current_schema() and indexname = ${name}`,
        );
        if (def === undefined || 2 * backlog < indexed) return { rows: backlog, rebuild: null };
        // The graph is built in PGlite's WebAssembly memory, which never shrinks: what the build takes stays in the process's
        // RSS for good. EMBEDDED_BUILD_MEMORY bounds it (docs/benchmarks.md); a larger index builds its remainder on disk.
        if (embedded) await tx.execute(sql.raw(`set local maintenance_work_mem = '${EMBEDDED_BUILD_MEMORY}'`));
        // DROP INDEX waits for the table's writers (other crawls' batches), and every search that comes after waits
        // behind it: it gives up after a moment and is tried again, so searches queue at most that long.
        else if (waitBriefly) await tx.execute(sql`set local lock_timeout = '100ms'`);
        await tx.execute(sql.raw(`DROP INDEX "${name}"`));
        await tx.execute(
          sql`update ${sql.raw(`"${table}"`)} set indexed_dim = embedding_dim where indexed_dim is null and embedding_dim = ${dimLiteral(dim)}`,
        );
        // One backend, and no CONCURRENTLY: the embedded database builds in this transaction.
        if (embedded) {
          await tx.execute(sql.raw(def.indexdef));
          return { rows: backlog, rebuild: null, rebuilt: true };
        }
        return { rows: backlog, rebuild: { name, def: def.indexdef } };
      }),
    );
    if (!plan) continue;
    if (plan.rebuild) await buildConcurrently(db, plan.rebuild.name, plan.rebuild.def);
    const rebuilt = plan.rebuild !== null || plan.rebuilt === true;
    const rows = rebuilt ? plan.rows : await foldInSlices(db, table, dim, plan.rows);
    if (rows > 0) out.push({ table, rows, rebuilt });
  }
  // Marking left a dead version of every row it moved, and refreshes the row
  // counts the next flush goes by. VACUUM cannot run inside a transaction, hence here.
  for (const f of out) if (f.rebuilt) await vacuumAnalyze(db, f.table);
  return out;
}

/**
 * VACUUM (ANALYZE) of the table's own columns. Left to itself, ANALYZE also
 * gathers statistics on the HNSW index's expression (the cast embedding): it
 * evaluates it for every sampled row, up to 30,000, and holds a detoasted copy
 * of each vector at once (6 KB at 1536 dimensions), for statistics that say
 * little but the width (values over 1 kB are left out of them) and that no
 * query plans with. On the embedded database that grew PGlite's WebAssembly
 * memory, which never shrinks, by 46 MB after a crawl of the manual: more than
 * the index build. A column list leaves index expressions out.
 */
async function vacuumAnalyze(db: Database, table: EmbeddingTable) {
  const [row] = await queryRows<{ columns: string }>(
    db,
    sql`select string_agg(quote_ident(attname), ', ' order by attnum) as columns from pg_attribute
      where attrelid = ${table}::regclass and attnum > 0 and not attisdropped`,
  );
  await db.execute(sql.raw(`VACUUM (ANALYZE) "${table}" (${row!.columns})`));
}

const LOCK_ATTEMPTS = 30;
const isLockTimeout = (err: unknown) => {
  const e = err as { code?: string; cause?: { code?: string } };
  return (e?.code ?? e?.cause?.code) === '55P03';
};

/** Runs `attempt` with brief lock waits, again after a pause each time one times out, and at last waiting as long as it takes. */
async function retryingLockWaits<T>(attempt: (waitBriefly: boolean) => Promise<T>): Promise<T> {
  for (let i = 1; i < LOCK_ATTEMPTS; i++) {
    try {
      return await attempt(true);
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return attempt(false);
}

/**
 * CREATE INDEX CONCURRENTLY from the dropped index's definition. A build that
 * fails leaves an invalid index behind, which IF NOT EXISTS would then take
 * for the real one: it is dropped, and the index built the blocking way.
 */
async function buildConcurrently(db: Database, name: string, indexdef: string) {
  const concurrent = indexdef.replace(/^CREATE INDEX /, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ');
  try {
    await db.execute(sql.raw(concurrent));
  } catch (err) {
    await db.execute(sql.raw(`DROP INDEX IF EXISTS "${name}"`));
    await db.execute(sql.raw(indexdef.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ')));
    console.warn(`Built ${name} the blocking way: building it concurrently failed (${(err as Error).message})`);
  }
}

/**
 * Marks up to `limit` backlog rows as indexed, which inserts each into the
 * index, a slice at a time. The slice grows or shrinks so that each takes
 * about FOLD_SLICE_MS. Stops at `limit`: rows a running job adds meanwhile
 * wait for its own fold.
 */
async function foldInSlices(db: Database, table: EmbeddingTable, dim: number, limit: number): Promise<number> {
  const t = sql.raw(`"${table}"`);
  let size = Math.min(FIRST_SLICE_ROWS, limit);
  let moved = 0;
  while (moved < limit) {
    const started = performance.now();
    const n = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_INDEX_LOCK})`);
      const [row] = await queryRows<{ n: number }>(
        tx,
        sql`with moved as (
              update ${t} set indexed_dim = embedding_dim where id in (
                select id from ${t} where indexed_dim is null and embedding_dim = ${dimLiteral(dim)} limit ${size})
              returning 1)
            select count(*)::int as n from moved`,
      );
      return row?.n ?? 0;
    });
    moved += n;
    // Fewer than asked: the backlog is empty (another process, or a re-embedding, took the rest).
    if (n < size) break;
    const ms = Math.max(performance.now() - started, 1);
    size = Math.max(1, Math.min(limit - moved, MAX_SLICE_ROWS, size * 2, Math.round((size * FOLD_SLICE_MS) / ms)));
  }
  return moved;
}
