import { sql } from 'drizzle-orm';
import { jobs } from '../../../db/schema';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import type { Fusion, SearchInput } from '../../schemas/search';
import type { Embedder } from '../embeddings/types';
import { promoteExact, queryIdentifier } from './exact-identifier';
import { expandContext } from './expand-context';
import { fusedSearch, type RewrittenQuery } from './fused-query';
import { EXCERPT_CHARS, groupByPage, type PageHit, pageHits, rankPages } from './group-pages';
import { type ChunkHit, hydrateChunkHits } from './hits';
import { matchedTerms } from './matched-terms';
import { queryLexemes, queryLexemesWith } from './query-lexemes';
import type { QueryRewrite, QueryRewriter } from './query-rewrite';
import type { Reranker } from './rerank';
import { bm25Query, type TermStatsCache } from './term-stats';

export type SearchDeps = {
  db: Database;
  embedder: Embedder;
  termStats: TermStatsCache;
  reranker?: Reranker | null;
  /** Query rewriting by the chat model (QUERY_REWRITE, off by default). */
  queryRewriter?: QueryRewriter | null;
  rerankCandidates?: number;
  /** How many chunks the full-text side may score per query (see candidateTsQueries). */
  candidateBudget?: number;
  logger?: Logger;
};

const reembeddingUnderWay = sql`exists (select 1 from ${jobs} where ${jobs.kind} = 'reembed' and ${jobs.status} in ('queued', 'running'))`;

/**
 * The query's lexemes and whether a re-embedding job is under way, in one
 * round trip when the lexemes must be asked for: hybrid search needs both
 * before its lists can start or finish.
 */
async function lexemesAndReembedding(db: Database, text: string): Promise<{ lexemes: string[]; reembedding: Promise<boolean> }> {
  const { lexemes, also } = await queryLexemesWith<boolean>(db, text, reembeddingUnderWay);
  return { lexemes, reembedding: also.then(Boolean) };
}

/**
 * `terms`, with `highlight: true`: the words of the results that full-text search matched (matched-terms.ts).
 * `rewritten`: what the chat model's rewrite of the query added to the search, when query rewriting is on and it answered.
 */
type ResultMeta = { mode: SearchInput['mode']; reranked: boolean; warnings: string[]; terms?: string[]; rewritten?: QueryRewrite };
export type SearchResult = ({ returnMode: 'chunks'; results: ChunkHit[] } & ResultMeta) | ({ returnMode: 'pages'; results: PageHit[] } & ResultMeta);

/** The words to highlight in what a result shows, when the caller asked for them. */
export async function highlightTerms(db: SearchDeps['db'], query: string, texts: () => string[]): Promise<{ terms?: string[] }> {
  return { terms: await matchedTerms(db, await queryLexemes(db, query), texts()) };
}

const EMBED_QUERY_CHARS = 8000;

/**
 * Candidate pools, fixed so that the head of the results does not depend on
 * `limit` (up to the schema's 50): each list contributes this many chunks,
 * twice the largest limit for chunks; pages group the fused candidates, their
 * further matching chunks counted among the best PAGE_POOL; the full-text side
 * loosens its selection while it finds fewer than ENOUGH chunks (or pages).
 * Pages mode took 200 per list until December 2026: 100 gave the same
 * answers on the manual's evaluation (hybrid MRR@10 0.679 → 0.677, R@5 and
 * Hit@1 unchanged) and search p50 8.9 → 6.4 ms, the HNSW scan at ef_search
 * 100 instead of 200 (docs/benchmarks.md).
 */
export const CHUNK_CANDIDATES = 100;
export const PAGE_CANDIDATES = 100;
export const PAGE_POOL = 100;
export const ENOUGH = 10;

/**
 * Fusion defaults, tuned on the PostgreSQL-manual evaluation (docs/benchmarks.md).
 * The offline embedder is lexical and weaker than BM25, so its list counts half
 * and top ranks count more (k = 20); a semantic embedding model gets the usual
 * equal weights and k = 60.
 */
export function defaultFusion(embedder: Embedder): Fusion {
  return embedder.model.startsWith('archon-hash') ? { k: 20, vectorWeight: 0.5, textWeight: 1 } : { k: 60, vectorWeight: 1, textWeight: 1 };
}

/** The defaults, overridden by what the caller gave; a key sent as undefined keeps its default rather than becoming NaN. */
export const resolveFusion = (embedder: Embedder, given: Partial<Fusion> | undefined): Fusion => ({
  ...defaultFusion(embedder),
  ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)),
});

/** Punctuation alone matches nothing meaningful; answering with arbitrary nearest vectors would mislead. */
export const hasSearchableText = (query: string) => /[\p{L}\p{N}]/u.test(query);

/** Embeds the query; on failure, hybrid search carries on with the text side and says so. */
export async function embedQuery(deps: SearchDeps, query: string, mode: SearchInput['mode'], warnings: string[]) {
  if (mode === 'fulltext') return null;
  try {
    const [vector] = await deps.embedder.embed([query.slice(0, EMBED_QUERY_CHARS)]);
    return vector ?? null;
  } catch (err) {
    const message = `vector search unavailable: ${(err as Error).message}`;
    if (mode === 'vector') throw new AppError('SERVICE_UNAVAILABLE', `${message}; try mode 'fulltext' or 'hybrid'`);
    deps.logger?.warn('query embedding failed; searching text only', { error: err as Error });
    warnings.push(`${message}; results come from full-text search only`);
    return null;
  }
}

async function rerankHits(deps: SearchDeps, query: string, hits: ChunkHit[], warnings: string[]): Promise<boolean> {
  if (!deps.reranker || hits.length < 2) return false;
  try {
    const scores = await deps.reranker.rerank(
      query,
      hits.map((h) => h.content),
    );
    hits.forEach((h, i) => {
      h.score.rerank = scores[i]!;
    });
    hits.sort((a, b) => b.score.rerank! - a.score.rerank! || b.score.fused - a.score.fused);
    return true;
  } catch (err) {
    warnings.push(`reranking skipped: ${(err as Error).message}`);
    return false;
  }
}

/** The titles of the sources a search covers, to tell the chat model what vocabulary the knowledge base uses. */
async function corpusTitles(db: Database, input: SearchInput): Promise<string[]> {
  const rows = await queryRows<{ title: string }>(
    db,
    sql`select title from sources ${input.sourceIds?.length ? sql`where id in ${input.sourceIds}` : sql``} order by updated_at desc limit 20`,
  );
  return rows.map((r) => r.title).filter(Boolean);
}

/**
 * The chat model's rewrite of the query, or null: when rewriting is off, when
 * this search would not use it (a rewrite only feeds full text, a passage only
 * vectors), for a query that is one identifier (already the corpus's own
 * word), and on any failure or timeout, which leaves a warning and the plain search.
 */
function rewriteQuery(deps: SearchDeps, input: SearchInput, warnings: string[]): Promise<QueryRewrite | null> {
  const rewriter = deps.queryRewriter;
  if (!rewriter || queryIdentifier(input.query)) return Promise.resolve(null);
  const useful = (rewriter.mode !== 'hyde' && input.mode !== 'vector') || (rewriter.mode !== 'rewrite' && input.mode !== 'fulltext');
  if (!useful) return Promise.resolve(null);
  return corpusTitles(deps.db, input)
    .then((titles) => rewriter.rewrite(input.query, titles))
    .catch((err: unknown) => {
      deps.logger?.warn('query rewriting failed; searching with the query as given', { error: (err as Error).message });
      warnings.push(`query rewriting skipped: ${(err as Error).message}`);
      return null;
    });
}

/** Whether a re-embedding job is under way (vectors of the current model are then incomplete). */
async function isReembedding(db: SearchDeps['db']) {
  const [row] = await queryRows<{ reembedding: boolean }>(db, sql`select ${reembeddingUnderWay} as reembedding`);
  return row!.reembedding;
}

/**
 * Hybrid retrieval over the knowledge base: vector and full-text candidates
 * fused by Reciprocal Rank Fusion, optionally reranked, returned as chunks
 * (optionally with neighbouring context) or grouped by page.
 */
export async function searchKnowledge(deps: SearchDeps, input: SearchInput): Promise<SearchResult> {
  const warnings: string[] = [];
  if (!hasSearchableText(input.query)) {
    warnings.push('the query has no letters or digits to search for');
    return { returnMode: input.returnMode, mode: input.mode, results: [], reranked: false, warnings } as SearchResult;
  }
  // Hybrid search needs the query's lexemes and the re-embedding check: one statement gives both.
  const both = input.mode === 'hybrid' ? lexemesAndReembedding(deps.db, input.query) : null;
  const reembedding = both?.then((b) => b.reembedding) ?? (input.mode === 'fulltext' ? Promise.resolve(false) : isReembedding(deps.db));
  // Awaited after the search; should the search fail first, this must not become an unhandled rejection.
  reembedding.catch(() => {});
  const rerank = Boolean(deps.reranker) && input.rerank !== false;
  const pages = input.returnMode === 'pages';
  const candidates = pages ? PAGE_CANDIDATES : CHUNK_CANDIDATES;
  const rewriting = rewriteQuery(deps, input, warnings);
  const lexemesAndStats = (text: string) => Promise.all([queryLexemes(deps.db, text), deps.termStats.get()]);
  const fused = await fusedSearch(deps.db, {
    table: 'chunks',
    text: input.query,
    // Not awaited here: each candidate list starts once its own input is ready. A hypothetical
    // answer passage (HyDE) is embedded with the query, so that side waits for the chat model.
    vector:
      deps.queryRewriter && deps.queryRewriter.mode !== 'rewrite'
        ? rewriting.then((r) => embedQuery(deps, r?.passage ? `${input.query}\n\n${r.passage}` : input.query, input.mode, warnings))
        : embedQuery(deps, input.query, input.mode, warnings),
    model: deps.embedder.model,
    useVector: input.mode !== 'fulltext',
    useText: input.mode !== 'vector',
    candidates,
    limit: 2 * candidates,
    fusion: resolveFusion(deps.embedder, input.fusion),
    filters: input,
    bm25:
      input.mode === 'vector'
        ? null
        : Promise.all([both?.then((b) => b.lexemes) ?? queryLexemes(deps.db, input.query), deps.termStats.get()]).then(([l, s]) =>
            bm25Query(l, s, deps.candidateBudget),
          ),
    // The rewritten query's own full-text list, fused with the original's.
    rewrite: rewriting.then(async (r): Promise<RewrittenQuery | null> => {
      if (!r?.query || r.query === input.query || input.mode === 'vector') return null;
      const [l, s] = await lexemesAndStats(r.query);
      return { text: r.query, bm25: bm25Query(l, s, deps.candidateBudget) };
    }),
    enough: ENOUGH,
    enoughPages: pages,
  });
  const rewritten = await rewriting;
  const meta = rewritten ? { rewritten } : {};
  // A query that is one identifier puts the sections that document it first (exact-identifier.ts); vector mode stays as it is.
  const identifier = input.mode === 'vector' ? null : queryIdentifier(input.query);
  const rows = identifier ? await promoteExact(deps.db, fused, identifier) : fused;
  if (await reembedding)
    warnings.push('embeddings are being rebuilt for a new model; until that job finishes, some results come from full-text search only');
  const highlighted = (texts: () => string[]) => (input.highlight ? highlightTerms(deps.db, input.query, texts) : Promise.resolve({}));
  if (pages && !rerank) {
    // Grouped before loading: only each returned page's best chunk is read.
    const ranked = rankPages(rows, PAGE_POOL).slice(0, input.limit);
    const results = pageHits(
      ranked,
      await hydrateChunkHits(
        deps.db,
        ranked.map((p) => p.row),
        EXCERPT_CHARS,
      ),
    );
    const terms = await highlighted(() => results.flatMap((p) => [p.title, p.best.excerpt, ...p.best.headingPath]));
    return { returnMode: 'pages', mode: input.mode, results, reranked: false, warnings, ...terms, ...meta };
  }
  // The reranker reorders a fixed pool, so its results do not depend on `limit` up to RERANK_CANDIDATES (chunks).
  const pool = pages ? PAGE_POOL : rerank ? Math.max(input.limit, deps.rerankCandidates ?? 20) : input.limit;
  let hits = await hydrateChunkHits(deps.db, rows.slice(0, pool));
  const reranked = rerank ? await rerankHits(deps, input.query, hits, warnings) : false;
  if (pages) {
    const results = groupByPage(hits, input.limit);
    const terms = await highlighted(() => results.flatMap((p) => [p.title, p.best.excerpt, ...p.best.headingPath]));
    return { returnMode: 'pages', mode: input.mode, results, reranked, warnings, ...terms, ...meta };
  }
  hits = await expandContext(deps.db, hits.slice(0, input.limit), input.expandContext);
  const terms = await highlighted(() => hits.flatMap((h) => [h.pageTitle, h.content, ...h.headingPath]));
  return { returnMode: 'chunks', mode: input.mode, results: hits, reranked, warnings, ...terms, ...meta };
}
