/**
 * Per-connection settings for vector search. ef_search is the floor of the
 * HNSW candidate list at query time (pgvector's default, 40); a search raises
 * it to the number of neighbours it asks for (200 when grouping by page). A
 * floor of 100 cost about 2 ms per query and moved hybrid results by less than
 * one query in the evaluation (docs/benchmarks.md).
 * Iterative scans (pgvector 0.8+) keep filtered queries from returning too few
 * rows; older pgvector ignores the setting with a warning.
 */
export const DEFAULT_EF_SEARCH = 40;

export function searchSessionSettings(efSearch = DEFAULT_EF_SEARCH): Record<string, string> {
  return { 'hnsw.ef_search': String(efSearch), 'hnsw.iterative_scan': 'relaxed_order' };
}
