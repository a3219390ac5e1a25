/**
 * How many chunks the full-text side may score per query. Scoring reads each
 * candidate's tsvector, so the candidate count sets the query's cost: a query
 * made only of common words ("check if an array column contains a value")
 * used to score two thirds of the manual's chunks, 140 ms, for a top 40.
 */
export const CANDIDATE_BUDGET = 100;
/** Common terms combined into AND clauses: C(6, 3) = 20 clauses at most. */
const MAX_COMBINED_TERMS = 6;
const MAX_MIN_MATCH = 3;

/** A lexeme as a quoted tsquery operand, taken verbatim. */
export const quoteLexeme = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

function combinations<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of combinations(items.slice(i + 1), k - 1)) out.push([item, ...rest]);
  });
  return out;
}

/**
 * The tsqueries that select the chunks BM25 scores (clauses in tsquery input
 * syntax, each word quoted verbatim, to be OR'ed), within a budget estimated
 * from document frequencies:
 * - the rarest terms select on their own, while their chunks fit the budget
 *   (a chunk with one rare query word can be the answer);
 * - the remaining common terms select only together: a chunk must contain m of
 *   them, the smallest m whose estimate (assuming independent terms) fits what
 *   is left of the budget. A chunk holding a single common word scores too
 *   little to reach the top of the list anyway.
 * Looser queries follow (m − 1 down to 1), for when too few chunks hold m of
 * the words together. Every term still scores the candidates; this only
 * decides which are read.
 */
export function candidateTsQueries(terms: string[], df: (lexeme: string) => number, documents: number, budget = CANDIDATE_BUDGET): string[][] {
  const byDf = [...new Set(terms)].sort((a, b) => df(a) - df(b) || (a < b ? -1 : 1));
  const rare: string[] = [];
  let selected = 0;
  for (const term of byDf) {
    if (selected + df(term) > budget) break;
    rare.push(term);
    selected += df(term);
  }
  const common = byDf.slice(rare.length, rare.length + MAX_COMBINED_TERMS);
  if (common.length === 0) return [rare.map(quoteLexeme)];
  const n = Math.max(documents, 1);
  const estimate = (clauses: string[][]) => clauses.reduce((sum, c) => sum + n * c.reduce((p, t) => p * (df(t) / n), 1), 0);
  let m = 1;
  while (m < Math.min(common.length, MAX_MIN_MATCH) && estimate(combinations(common, m)) > budget - selected) m++;
  const tiers: string[][] = [];
  for (let k = m; k >= 1; k--) tiers.push([...rare.map(quoteLexeme), ...combinations(common, k).map((c) => c.map(quoteLexeme).join(' & '))]);
  return tiers;
}
