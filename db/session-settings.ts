/**
 * Per-connection settings for vector search. ef_search is the HNSW candidate
 * list size at query time (pgvector's default is 40; a larger list recovers the
 * recall traded away by Archon's cheaper index build, see docs/benchmarks.md).
 * Iterative scans (pgvector 0.8+) keep filtered queries from returning too few
 * rows; older pgvector ignores the setting with a warning.
 */
export const DEFAULT_EF_SEARCH = 100;

export function searchSessionSettings(efSearch = DEFAULT_EF_SEARCH): Record<string, string> {
  return { 'hnsw.ef_search': String(efSearch), 'hnsw.iterative_scan': 'relaxed_order' };
}
