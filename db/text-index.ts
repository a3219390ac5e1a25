import { sql } from 'drizzle-orm';
import { queryRows } from './sql';
import type { Database } from './types';

/** The full-text GIN indexes that ingestion writes to (db/schema/knowledge.ts). */
const TEXT_INDEXES = ['chunks_search_idx', 'code_examples_search_idx'] as const;

/**
 * Moves the full-text indexes' pending entries into the indexes proper.
 *
 * A GIN index takes new rows into a pending list (fastupdate), which makes a
 * crawl's inserts cheap, and every full-text search reads that list through,
 * row by row, until a VACUUM merges it or it outgrows gin_pending_list_limit
 * (4 MB). After a crawl of the PostgreSQL manual 1,508 rows waited there: search
 * p50 was 15.8 ms for full text and 16.1 ms for hybrid until autovacuum came by,
 * 4.8 and 5.7 ms after this (docs/benchmarks.md). It took under 0.1 s.
 *
 * Returns the pending pages merged. A role that does not own the indexes may
 * not merge them; autovacuum still will, so that is not an error.
 */
export async function mergePendingTextEntries(db: Database): Promise<number> {
  try {
    const [row] = await queryRows<{ pages: number }>(
      db,
      sql`select (${sql.join(
        TEXT_INDEXES.map((name) => sql`gin_clean_pending_list(${name}::regclass)`),
        sql` + `,
      )})::int as pages`,
    );
    return row?.pages ?? 0;
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    if ((e.code ?? e.cause?.code) === '42501') return 0;
    throw err;
  }
}
