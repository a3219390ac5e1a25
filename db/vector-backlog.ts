import { sql } from 'drizzle-orm';
import { queryRows } from './sql';
import type { Database } from './types';
import { EMBEDDING_TABLES, type EmbeddingTable, VECTOR_INDEX_LOCK, vectorIndexName } from './vector-index';

/**
 * The vector backlog: embedded rows not yet in their HNSW index
 * (`indexed_dim` null). Inserting into an HNSW index on disk costs about three
 * times what building it in bulk does (pgvector re-reads and re-scores each
 * neighbour it links), and on the PostgreSQL manual those inserts were a third
 * of a crawl's CPU. So ingestion writes new vectors to the backlog, and the job
 * folds them in at its end: a backlog of half the index or more rebuilds it in
 * bulk, a smaller one is inserted row by row. Search reads the backlog exactly
 * meanwhile, so no row is ever missing from vector results.
 */

/** A backlog this large is folded in during the job, not only at its end, so exact reads of it stay cheap. */
export const BACKLOG_FLUSH_ROWS = 10_000;

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
export async function backlogIsFull(db: Database, dim: number, limit = BACKLOG_FLUSH_ROWS): Promise<boolean> {
  const waiting = EMBEDDING_TABLES.map(
    (table) =>
      sql`(select count(*) from (select 1 from ${sql.raw(`"${table}"`)} where indexed_dim is null and embedding_dim = ${dimLiteral(dim)} limit ${limit}) b) >= ${limit}`,
  );
  const [row] = await queryRows<{ full: boolean }>(db, sql`select ${sql.join(waiting, sql` or `)} as full`);
  return row?.full === true;
}

export type BacklogFlush = { table: EmbeddingTable; rows: number; rebuilt: boolean };

/**
 * Moves the backlog into the HNSW index. A backlog of half the index or more
 * rebuilds it: drop, mark the rows, create it again in bulk, in one
 * transaction, which holds writes and searches on the table for the build
 * (about 2 s for the manual's 6,661 chunks). A smaller one is inserted row by
 * row. Tables go in a fixed order, each in its own transaction, under the
 * vector index lock.
 */
export async function flushVectorBacklog(db: Database, dim: number): Promise<BacklogFlush[]> {
  const out: BacklogFlush[] = [];
  for (const table of EMBEDDING_TABLES) {
    const done = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_INDEX_LOCK})`);
      const { backlog, indexed } = await counts(tx, table, dim);
      if (backlog === 0) return null;
      const t = sql.raw(`"${table}"`);
      const name = vectorIndexName(tx, table, dim);
      const [def] = await queryRows<{ indexdef: string }>(
        tx,
        sql`select indexdef from pg_indexes where schemaname = current_schema() and indexname = ${name}`,
      );
      const rebuild = def !== undefined && 2 * backlog >= indexed;
      if (rebuild) await tx.execute(sql.raw(`DROP INDEX "${name}"`));
      await tx.execute(sql`update ${t} set indexed_dim = embedding_dim where indexed_dim is null and embedding_dim = ${dimLiteral(dim)}`);
      if (rebuild) await tx.execute(sql.raw(def.indexdef));
      return { table, rows: backlog, rebuilt: rebuild };
    });
    if (done) out.push(done);
  }
  // Marking left a dead version of every row it moved. The embedded database
  // has no autovacuum, and on a server this also refreshes the row counts the
  // next flush goes by. VACUUM cannot run inside a transaction, hence here.
  for (const f of out) if (f.rebuilt) await db.execute(sql.raw(`VACUUM (ANALYZE) "${f.table}"`));
  return out;
}
