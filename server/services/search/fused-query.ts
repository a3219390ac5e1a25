import { sql, type SQL } from 'drizzle-orm';
import { queryRows } from '../../../db/rows';
import type { Database } from '../../../db/types';
import { embeddingExpr, queryVectorParam, type EmbeddingTable } from '../../../db/vector-index';
import type { Fusion, SearchFilters } from '../../schemas/search';
import { orTsQuery, RANK_WEIGHTS, sourceFilters } from './sql-parts';
import { BM25, type Bm25Query } from './term-stats';

export type FusedRow = {
  id: number;
  vector_rank: number | null;
  text_rank: number | null;
  vector_distance: number | null;
  text_score: number | null;
  score: number;
};

export type FusedQuery = {
  table: EmbeddingTable;
  text: string;
  /** The query's embedding; absent for full-text only, or when embedding it failed. */
  vector: number[] | null;
  model: string;
  useVector: boolean;
  useText: boolean;
  candidates: number;
  limit: number;
  fusion: Fusion;
  filters: SearchFilters;
  /** Extra condition on the table, e.g. a language for code examples. */
  extraWhere?: SQL;
  /** BM25 over the chunks' lexemes; without it the text side ranks with ts_rank_cd. */
  bm25?: Bm25Query | null;
};

// A JS array in a drizzle template becomes a parameter list, not an array.
const pgArray = (values: (string | number)[], type: 'text' | 'float8') =>
  sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::${sql.raw(type)}[]`;

/** BM25 with IDF from term statistics, on candidates that contain a selective query term. */
function bm25Candidates(t: SQL, join: SQL, where: SQL, q: FusedQuery, b: Bm25Query): SQL {
  const selective = b.selective.map((l) => `'${l.replace(/'/g, "''")}'`).join(' | ');
  const w = BM25;
  return sql`select id, row_number() over (order by rank desc, id) as r, rank from (
    select cand.id, sum(terms.idf * (u.tf * ${w.k1 + 1}::float8)
             / (u.tf + ${w.k1}::float8 * (${1 - w.b}::float8 + ${w.b}::float8 * cand.len / ${b.avgLength}::float8)) * u.wt) as rank
    from (select ${t}.id, ${t}.search, length(${t}.search) as len from ${t} ${join}
          where ${t}.search @@ to_tsquery('simple', ${selective})${where}${q.extraWhere ? sql` and ${q.extraWhere}` : sql``}) cand
    cross join lateral (
      select lexeme, cardinality(positions) as tf,
             case when 'A' = any(weights) then ${w.titleWeight}::float8 when 'B' = any(weights) or 'C' = any(weights) then ${w.headingWeight}::float8 else ${w.bodyWeight}::float8 end as wt
      from unnest(cand.search)) u
    join unnest(${pgArray(b.terms, 'text')}, ${pgArray(b.idf, 'float8')}) as terms(lexeme, idf) on terms.lexeme = u.lexeme
    group by cand.id
    order by rank desc limit ${q.candidates}) x`;
}

/**
 * Both candidate lists and their Reciprocal Rank Fusion in one statement. The
 * dimension is written as a literal: the partial HNSW index only applies when
 * the planner can see `embedding_dim = N` (a parameter hides it in a generic
 * plan). Ranks, not raw scores, are fused: cosine distances and ts_rank values
 * live on different scales, the flaw of Archon v1's hybrid search.
 */
export async function fusedSearch(db: Database, q: FusedQuery): Promise<FusedRow[]> {
  const t = sql.raw(`"${q.table}"`);
  const { join, where } = sourceFilters(q.table, q.filters);
  const extra = q.extraWhere ? sql` and ${q.extraWhere}` : sql``;
  const vectorOn = q.useVector && q.vector !== null;
  const dim = q.vector?.length ?? 0;
  const vec = vectorOn
    ? sql`select id, row_number() over (order by dist, id) as r, dist from (
        select ${t}.id, ${embeddingExpr(q.table, dim)} <=> ${queryVectorParam(q.vector!)} as dist
        from ${t} ${join}
        where ${t}.embedding_dim = ${sql.raw(String(dim))} and ${t}.embedding_model = ${q.model}${where}${extra}
        order by ${embeddingExpr(q.table, dim)} <=> ${queryVectorParam(q.vector!)} limit ${q.candidates}) v`
    : sql`select null::bigint as id, null::bigint as r, null::float8 as dist where false`;
  const txt = q.useText && q.bm25
    ? bm25Candidates(t, join, where, q, q.bm25)
    : q.useText && q.bm25 === undefined
    ? sql`select id, row_number() over (order by rank desc, id) as r, rank from (
        select ${t}.id, ts_rank_cd(${RANK_WEIGHTS}, ${t}.search, tq.q) as rank
        from ${t} ${join}, tq
        where ${t}.search @@ tq.q${where}${extra}
        order by rank desc limit ${q.candidates}) x`
    : sql`select null::bigint as id, null::bigint as r, null::float4 as rank where false`;
  // On a few thousand rows the planner prefers scanning the table and
  // computing every distance, which costs ~150 ms at 1536 dimensions against
  // a few ms through the HNSW index; its cost model does not know how
  // expensive the distance is. Only this statement is affected.
  return db.transaction(async (tx) => {
    if (vectorOn) await tx.execute(sql`set local enable_seqscan = off`);
    return queryRows<FusedRow>(
    tx,
    // Code is indexed without stemming ('simple'), prose with English stems: code queries look for both.
    sql`with tq as (select ${orTsQuery(q.text, q.table === 'code_examples' ? ['english', 'simple'] : ['english'])} as q),
      vec as (${vec}),
      txt as (${txt})
      select coalesce(vec.id, txt.id) as id,
             vec.r::int as vector_rank, txt.r::int as text_rank,
             vec.dist::float8 as vector_distance, txt.rank::float8 as text_score,
             (coalesce(${q.fusion.vectorWeight}::float8 / (${q.fusion.k} + vec.r), 0)
              + coalesce(${q.fusion.textWeight}::float8 / (${q.fusion.k} + txt.r), 0))::float8 as score
      from vec full outer join txt on vec.id = txt.id
      order by score desc, id
      limit ${q.limit}`,
    ).then((rows) => rows.map((r) => ({ ...r, id: Number(r.id) })));
  });
}
