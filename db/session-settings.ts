/**
 * Per-connection settings for vector search. ef_search is the floor of the
 * HNSW candidate list at query time: 100 rather than pgvector's 40 recovers the
 * recall traded away by Archon's cheaper index build (docs/benchmarks.md), for
 * about 1 ms per query. A search asking for more neighbours (200 when grouping
 * by page) raises it to that many.
 * Iterative scans (pgvector 0.8+) keep filtered queries from returning too few
 * rows; older pgvector ignores the setting with a warning.
 */
export const DEFAULT_EF_SEARCH = 100;

export function searchSessionSettings(efSearch = DEFAULT_EF_SEARCH): Record<string, string> {
  return { 'hnsw.ef_search': String(efSearch), 'hnsw.iterative_scan': 'relaxed_order' };
}
