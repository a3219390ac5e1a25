import { type SQL, sql } from 'drizzle-orm';
import { localSettings, queryWithSettings } from '../../../db/one-trip';
import type { Database } from '../../../db/types';
import { type EmbeddingTable, indexedDistance, indexType, queryVectorParam } from '../../../db/vector-index';
import type { Fusion, SearchFilters } from '../../schemas/search';
import { quoteLexeme } from './candidate-query';
import { orTsQuery, RANK_WEIGHTS, sourceFilters } from './sql-parts';
import { BM25, type Bm25Query } from './term-stats';

export type FusedRow = {
  id: number;
  vector_rank: number | null;
  text_rank: number | null;
  vector_distance: number | null;
  text_score: number | null;
  score: number;
  /** The chunk's page, for grouping results by page before any row is loaded. */
  page_id?: string;
  /** For a query that is one identifier: 2 if the chunk documents it, 1 if it mentions it, else 0 (exact-identifier.ts). */
  exact?: number;
  /** The chunk's rank in the full-text list of the chat model's rewrite of the query (query-rewrite.ts), when there was one. */
  rewrite_rank?: number | null;
};

export type FusedQuery = {
  table: EmbeddingTable;
  text: string;
  /** The query's embedding; absent for full-text only, or when embedding it failed. */
  vector: number[] | null;
  model: string;
  useVector: boolean;
  useText: boolean;
  /** How many candidates each list contributes: a constant, so that the head of the results does not depend on `limit`. */
  candidates: number;
  /** How many fused rows to return. */
  limit: number;
  fusion: Fusion;
  filters: SearchFilters;
  /** Extra condition on the table, e.g. a language for code examples. */
  extraWhere?: SQL;
  /** BM25 over the chunks' lexemes; without it the text side ranks with ts_rank_cd. */
  bm25?: Bm25Query | null;
  /** How many full-text candidates suffice before a looser selection is tried (default: `limit`; keep it fixed for results that do not depend on `limit`). */
  enough?: number;
  /** Count `enough` in distinct pages rather than chunks (results grouped by page). */
  enoughPages?: boolean;
};

type Ranked = { id: number; r: number; value: number; page?: string };

/**
 * Runs a candidate query with the planner pointed at the right index. Its cost
 * model misjudges both lists on a few thousand rows: it would scan the table
 * and compute every 1536-dimension distance (~150 ms against a few ms through
 * the HNSW index), and for some full-text selections it reads every tsvector
 * or walks the primary key (60–115 ms) instead of combining GIN bitmaps. Only
 * this statement is affected, and on a server it costs no extra round trip.
 */
function planned<T>(db: Database, access: 'index' | 'bitmap', query: SQL, neighbours = 0): Promise<T[]> {
  return queryWithSettings<T>(
    db,
    localSettings({
      enable_seqscan: 'off',
      enable_indexscan: access === 'index' ? 'on' : 'off',
      // The HNSW candidate list must hold as many neighbours as the query asks for;
      // HNSW_EF_SEARCH (the session's value) is its floor.
      'hnsw.ef_search': sql`greatest(current_setting('hnsw.ef_search')::int, ${neighbours}::int)::text`,
    }),
    query,
  );
}

const ZETA2 = Math.PI ** 2 / 6;
// ts_rank's weights for D (body), C (context), B (headings), A (title).
const COUNT_WEIGHTS = sql.raw(`'{1, 1, 1, 1}'::float4[]`);
const FIELD_WEIGHTS = sql.raw(`'{0.0001, 0.01, 0.01, 1}'::float4[]`);

/**
 * A word's BM25 term frequency and field weight from two ts_rank calls.
 * ts_rank of a one-word query is (w₁ + w₂/2² + w₃/3² + …) / ζ(2) over the
 * word's occurrences, the heaviest counted first. With every weight 1 it is
 * H2(tf) / ζ(2), whose inverse gives tf (exact for the 256 positions a lexeme
 * can hold at most). With weights 1, 0.01 and 0.0001, the sum passes 0.5 only
 * with a title occurrence, and 0.005 only with a heading or context one.
 */
function termParts(i: number) {
  const w = BM25;
  return {
    tf: sql.raw(`(case when c.u${i} > 0 then round(1 / (${ZETA2} * (1 - least(c.u${i}, 0.9999))) - 0.5) else 0 end)`),
    weight: sql.raw(
      `(case when c.f${i} * ${ZETA2} > 0.5 then ${w.titleWeight} when c.f${i} * ${ZETA2} > 0.005 then ${w.headingWeight} else ${w.bodyWeight} end)`,
    ),
  };
}

/**
 * BM25 with IDF from term statistics, on the candidates `match` selects.
 * Its clauses are separate predicates, not one tsquery: the planner estimates
 * each on its own and combines GIN bitmaps (one OR'ed tsquery looked
 * unselective to it, and a seven-clause query took 7.5 ms instead of 0.9).
 * Each candidate's term frequencies and fields are read with two ts_rank calls
 * per query word, in C on the stored tsvector: cutting the tsvector down to
 * the query's words and unnesting them (ts_delete twice) cost three times as
 * much, and unnesting whole tsvectors fifteen.
 */
function bm25List(t: SQL, join: SQL, where: SQL, q: FusedQuery, b: Bm25Query, match: string[]): SQL {
  const w = BM25;
  const score = sql.join(
    b.terms.map((_, i) => {
      const { tf, weight } = termParts(i);
      return sql`${b.idf[i]!}::float8 * ${tf} * ${w.k1 + 1}::float8 / (${tf} + c.norm) * ${weight}`;
    }),
    sql` + `,
  );
  // Cast, not to_tsquery, here and in the selection below: a lexeme such as
  // 'long-run' must stay one word, not become long-run <-> long <-> run, which
  // no English tsvector holds (it drops stop words such as the 'in' of built-in).
  const ranks = b.terms.map((term, i) => {
    const word = sql`${quoteLexeme(term)}::tsquery`;
    return sql`ts_rank(${COUNT_WEIGHTS}, ${t}.search, ${word})::float8 as ${sql.raw(`u${i}`)}, ts_rank(${FIELD_WEIGHTS}, ${t}.search, ${word})::float8 as ${sql.raw(`f${i}`)}`;
  });
  // offset 0 keeps the ts_rank calls in the subquery, once per candidate.
  return sql`select id, page, row_number() over (order by rank desc, id) as r, rank as value from (
    select c.id, c.page, ${score} as rank from (
      select ${t}.id, ${t}.page_id as page, ${w.k1}::float8 * (${1 - w.b}::float8 + ${w.b}::float8 * length(${t}.search) / ${b.avgLength}::float8) as norm, ${sql.join(ranks, sql`, `)}
      from ${t} ${join}
      where (${sql.join(
        match.map((clause) => sql`${t}.search @@ ${clause}::tsquery`),
        sql` or `,
      )})${where}${q.extraWhere ? sql` and ${q.extraWhere}` : sql``}
      offset 0) c
    order by rank desc limit ${q.candidates}) x`;
}

/** Postgres's own cover-density ranking, for tables without term statistics (code examples). */
function tsRankList(t: SQL, join: SQL, where: SQL, q: FusedQuery): SQL {
  const extra = q.extraWhere ? sql` and ${q.extraWhere}` : sql``;
  // Code is indexed without stemming ('simple'), prose with English stems: code queries look for both.
  const tsquery = orTsQuery(q.text, q.table === 'code_examples' ? ['english', 'simple'] : ['english']);
  return sql`with tq as (select ${tsquery} as q)
    select id, row_number() over (order by rank desc, id) as r, rank as value from (
      select ${t}.id, ts_rank_cd(${RANK_WEIGHTS}, ${t}.search, tq.q) as rank
      from ${t} ${join}, tq
      where ${t}.search @@ tq.q${where}${extra}
      order by rank desc limit ${q.candidates}) x`;
}

export async function textCandidates(db: Database, q: FusedQuery): Promise<Ranked[]> {
  if (!q.useText || q.bm25 === null) return [];
  const t = sql.raw(`"${q.table}"`);
  const { join, where } = sourceFilters(q.table, q.filters);
  const list = (query: SQL) => planned(db, 'bitmap', query).then(ranked);
  if (!q.bm25) return list(tsRankList(t, join, where, q));
  // The strictest selection first; a looser one only when it leaves too few.
  const found = (rows: Ranked[]) => (q.enoughPages ? new Set(rows.map((r) => r.page)).size : rows.length);
  let rows: Ranked[] = [];
  for (const match of q.bm25.match) {
    rows = await list(bm25List(t, join, where, q, q.bm25, match));
    if (found(rows) >= (q.enough ?? q.limit)) break;
  }
  return rows;
}

/**
 * Nearest neighbours: through the HNSW index for indexed rows, and exactly for
 * rows still in the vector backlog (db/vector-backlog.ts), merged by distance.
 * The dimension is written as a literal: the partial indexes only apply when
 * the planner can see `indexed_dim = N` (a parameter hides it in a generic plan).
 */
async function vectorCandidates(db: Database, q: FusedQuery): Promise<Ranked[]> {
  if (!q.useVector || q.vector === null) return [];
  const t = sql.raw(`"${q.table}"`);
  const { join, where } = sourceFilters(q.table, q.filters);
  const extra = q.extraWhere ? sql` and ${q.extraWhere}` : sql``;
  const dim = sql.raw(String(q.vector.length));
  // The query vector is sent once; the index still applies to an InitPlan's value.
  const qv = sql`select v from q`;
  const distance = indexedDistance(db, q.table, q.vector.length, qv);
  // The index picks the candidates; their ranks and reported similarity use the
  // exact distance where it holds half floats (one distance per row, not two: measured 1 ms less).
  const exact = sql`${t}.embedding <=> (${qv})`;
  const indexed = indexType(db, q.vector.length) === 'halfvec' ? exact : distance;
  const filter = sql`${t}.embedding_model = ${q.model}${where}${extra}`;
  const rows = await planned(
    db,
    'index',
    sql`with q as (select ${queryVectorParam(q.vector)} as v)
      select id, page, row_number() over (order by dist, id) as r, dist as value from (
        (select ${t}.id, ${t}.page_id as page, ${indexed} as dist from ${t} ${join}
         where ${t}.indexed_dim = ${dim} and ${filter} order by ${distance} limit ${q.candidates})
        union all
        (select ${t}.id, ${t}.page_id as page, ${exact} as dist from ${t} ${join}
         where ${t}.indexed_dim is null and ${t}.embedding_dim = ${dim} and ${filter} order by 3 limit ${q.candidates})
      ) v order by dist, id limit ${q.candidates}`,
    q.candidates,
  );
  return ranked(rows);
}

const ranked = (rows: unknown[]): Ranked[] =>
  (rows as { id: string | number; r: string | number; value: number | string; page?: string }[]).map((row) => ({
    id: Number(row.id),
    r: Number(row.r),
    value: Number(row.value),
    ...(row.page === undefined ? {} : { page: row.page }),
  }));

/**
 * Reciprocal Rank Fusion of the two candidate lists. Ranks, not raw scores,
 * are fused: cosine distances and BM25 values live on different scales, the
 * flaw of Archon v1's hybrid search.
 */
export function fuse(vector: Ranked[], text: Ranked[], fusion: Fusion, limit: number, rewrite: Ranked[] = []): FusedRow[] {
  const rows = new Map<number, FusedRow>();
  const row = (id: number) => {
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { id, vector_rank: null, text_rank: null, vector_distance: null, text_score: null, score: 0 }));
    if (rewrite.length) r.rewrite_rank ??= null;
    return r;
  };
  // Assigned field by field: pages mode fuses 400 rows, and an object spread per row was a tenth of a search's garbage.
  const page = (r: FusedRow, x: Ranked) => {
    if (x.page !== undefined) r.page_id = x.page;
    return r;
  };
  for (const v of vector) {
    const r = page(row(v.id), v);
    r.vector_rank = v.r;
    r.vector_distance = v.value;
    r.score += fusion.vectorWeight / (fusion.k + v.r);
  }
  for (const x of text) {
    const r = page(row(x.id), x);
    r.text_rank = x.r;
    r.text_score = x.value;
    r.score += fusion.textWeight / (fusion.k + x.r);
  }
  // A rewritten query's full-text list counts as much as the original's.
  for (const x of rewrite) {
    const r = page(row(x.id), x);
    r.rewrite_rank = x.r;
    r.score += fusion.textWeight / (fusion.k + x.r);
  }
  return [...rows.values()].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}

/** A further full-text query fused with the original: the chat model's rewrite of it, with its BM25 terms. */
export type RewrittenQuery = { text: string; bm25: Bm25Query | null };

/** A query whose inputs may still be on their way (the query's embedding, its BM25 terms, a rewrite of it). */
export type PendingFusedQuery = Omit<FusedQuery, 'vector' | 'bm25'> & {
  vector: FusedQuery['vector'] | Promise<FusedQuery['vector']>;
  bm25?: FusedQuery['bm25'] | Promise<FusedQuery['bm25']>;
  rewrite?: Promise<RewrittenQuery | null>;
};

/**
 * Both candidate lists, as two statements that run at once on separate
 * connections, then fused. Each list starts as soon as its own input is ready.
 */
export async function fusedSearch(db: Database, q: PendingFusedQuery): Promise<FusedRow[]> {
  const [vector, text, rewrite] = await Promise.all([
    Promise.resolve(q.vector).then((vector) => vectorCandidates(db, { ...q, vector, bm25: undefined })),
    Promise.resolve(q.bm25).then((bm25) => textCandidates(db, { ...q, vector: null, bm25 })),
    Promise.resolve(q.rewrite).then((r) => (r?.bm25 ? textCandidates(db, { ...q, text: r.text, vector: null, bm25: r.bm25 }) : [])),
  ]);
  return fuse(vector, text, q.fusion, q.limit, rewrite);
}
