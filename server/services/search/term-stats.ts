import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { candidateTsQueries } from './candidate-query';

export type TermStats = { documents: number; avgLength: number; df: Map<string, number> };

const MAX_AGE_MS = 10 * 60_000;
const CHECK_EVERY_MS = 5_000;

/**
 * Document frequencies of every lexeme in the chunks' search vectors, for
 * BM25's IDF (Postgres's own ranking functions have none, which lets words
 * like "table" or "use" swamp a technical corpus). Computed with ts_stat and
 * cached per process; refreshed in the background once the corpus has grown
 * or shrunk by a tenth, or after ten minutes.
 */
export function createTermStats(db: Database) {
  let current: TermStats | null = null;
  let computedAt = 0;
  let checkedAt = 0;
  let refreshing: Promise<TermStats> | null = null;

  const compute = async (): Promise<TermStats> => {
    const [size] = await queryRows<{ n: number; avg: number | null }>(
      db,
      sql`select count(*)::int as n, avg(length(search))::float8 as avg from chunks`,
    );
    const rows = await queryRows<{ word: string; ndoc: number }>(db, sql`select word, ndoc from ts_stat('select search from chunks')`);
    // A corpus of empty tsvectors averages 0, which would divide by zero in BM25's length norm.
    return { documents: size?.n ?? 0, avgLength: size?.avg || 1, df: new Map(rows.map((r) => [r.word, Number(r.ndoc)])) };
  };
  const refresh = () =>
    (refreshing ??= compute().then(
      (stats) => {
        current = stats;
        computedAt = Date.now();
        refreshing = null;
        return stats;
      },
      (err: unknown) => {
        refreshing = null;
        throw err;
      },
    ));

  return {
    async get(): Promise<TermStats> {
      if (!current) return refresh();
      if (Date.now() - computedAt > MAX_AGE_MS) void refresh().catch(() => {});
      else if (Date.now() - checkedAt > CHECK_EVERY_MS || current.documents < 50) {
        checkedAt = Date.now();
        const [size] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from chunks`);
        const n = size?.n ?? 0;
        if (Math.abs(n - current.documents) > Math.max(10, current.documents / 10)) {
          // A first crawl changes everything: wait for it; later growth refreshes in the background.
          if (current.documents < 50) return refresh();
          void refresh().catch(() => {});
        }
      }
      return current;
    },
    invalidate() {
      computedAt = 0;
    },
  };
}

export type TermStatsCache = ReturnType<typeof createTermStats>;

/** BM25 parameters (Anserini's defaults for passages) and field weights: title, headings and context, body. */
export const BM25 = { k1: 0.9, b: 0.4, titleWeight: 1.5, headingWeight: 2, bodyWeight: 1 };
/** The query's terms with their IDF, and the tsqueries choosing which chunks to score, strictest first (see candidateTsQueries). */
export type Bm25Query = { terms: string[]; idf: number[]; match: string[][]; avgLength: number };

export function bm25Query(lexemes: string[], stats: TermStats, candidateBudget?: number): Bm25Query | null {
  const terms = [...new Set(lexemes)];
  if (terms.length === 0) return null;
  // Words indexed since the statistics were computed count as the rarest there are.
  const n = Math.max(stats.documents, 1);
  const df = (l: string) => stats.df.get(l) ?? 0;
  const idf = terms.map((l) => Math.log(1 + (n - df(l) + 0.5) / (df(l) + 0.5)));
  return { terms, idf, match: candidateTsQueries(terms, df, n, candidateBudget), avgLength: stats.avgLength };
}
