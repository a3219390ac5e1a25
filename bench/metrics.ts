/** Ranking metrics over one query: `ranked` are result ids best first, `relevant` the ids that answer it. */
export function scoreRanking(ranked: string[], relevant: string[]) {
  const rel = new Set(relevant);
  const recallAt = (k: number) => ranked.slice(0, k).filter((r) => rel.has(r)).length / rel.size;
  const first = ranked.slice(0, 10).findIndex((r) => rel.has(r));
  const dcg = ranked.slice(0, 10).reduce((sum, r, i) => sum + (rel.has(r) ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = Array.from({ length: Math.min(rel.size, 10) }, (_, i) => 1 / Math.log2(i + 2)).reduce((a, b) => a + b, 0);
  return {
    recall1: recallAt(1),
    recall5: recallAt(5),
    recall10: recallAt(10),
    mrr10: first < 0 ? 0 : 1 / (first + 1),
    ndcg10: ideal ? dcg / ideal : 0,
    hit1: ranked[0] !== undefined && rel.has(ranked[0]) ? 1 : 0,
    hit5: ranked.slice(0, 5).some((r) => rel.has(r)) ? 1 : 0,
  };
}

export type Scores = ReturnType<typeof scoreRanking>;

export function mean(scores: Scores[]): Scores {
  const keys = Object.keys(scores[0] ?? {}) as (keyof Scores)[];
  return Object.fromEntries(keys.map((k) => [k, scores.reduce((s, x) => s + x[k], 0) / scores.length])) as Scores;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}
