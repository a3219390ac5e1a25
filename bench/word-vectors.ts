// Experiment (issue 20 §3): word vectors trained on the knowledge base's own
// chunks, to bridge vocabulary offline. Trains on the indexed PostgreSQL manual
// (each chunk's lexemes in order, read back from its tsvector, so neighbours are
// lexemes BM25 can use as they are), then runs the eval:search questions in
// pages mode, hybrid, through the same candidate lists and fusion as
// searchKnowledge, with:
//   exp   — query expansion: each query lexeme's nearest corpus lexemes (cosine ≥ tau, at most k),
//           added to BM25 with their IDF scaled by beta·cosine, and selecting candidates alone
//           when rarer than `solo` chunks (qdf: only query lexemes in at most qdf chunks are expanded);
//   third — a third fused list: chunks ranked by the cosine of IDF-weighted mean word vectors,
//           fused by RRF with weight w;
// and prints all questions and both halves for each variant (kept only if both halves gain).
//   node --import tsx bench/word-vectors.ts [--db embedded|postgres] [--database URL] [--method ppmi|fasttext]
//     [--dim 100] [--window 5] [--min-count 3] [--seed 1] [--power 2] [--variants 'base; exp k=3 tau=0.5 beta=0.3; third w=0.5'] [--misses]
// --method fasttext needs `npm install fasttext.wasm.js` (skip-gram with negative sampling, WebAssembly, one thread).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/sql';
import { quoteLexeme } from '../server/services/search/candidate-query';
import { type FusedRow, fusedSearch } from '../server/services/search/fused-query';
import { rankPages } from '../server/services/search/group-pages';
import { queryLexemes } from '../server/services/search/query-lexemes';
import { ENOUGH, PAGE_CANDIDATES, PAGE_POOL, resolveFusion, searchKnowledge } from '../server/services/search/search-knowledge';
import { type Bm25Query, bm25Query, type TermStats } from '../server/services/search/term-stats';
import { indexManual, requireManual, serverUrl, startBenchRuntime } from './harness';
import { mean, percentile, type Scores, scoreRanking } from './metrics';
import { normaliseRows, trainPpmi, type WordVectors } from './word-vectors-ppmi';

type Query = { id: string; query: string; relevant: string[] };
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const queries = JSON.parse(fs.readFileSync(option('--queries') ?? 'eval/queries/postgres-manual.json', 'utf8')) as Query[];
const method = option('--method') ?? 'ppmi';
const dimension = Number(option('--dim') ?? 100);
const window = Number(option('--window') ?? 5);
const minCount = Number(option('--min-count') ?? 3);
const variantSpec =
  option('--variants') ?? 'base; exp k=3 tau=0.5 beta=0.3; exp k=5 tau=0.4 beta=0.3; exp k=3 tau=0.6 beta=0.5; third w=0.3; third w=0.5; third w=1';
requireManual();

const reuse = option('--database');
const runtime = await startBenchRuntime(
  reuse ? 'postgres' : ((option('--db') as 'embedded' | 'postgres' | undefined) ?? (serverUrl() ? 'postgres' : 'embedded')),
  {},
  reuse,
);
const indexed = reuse ? null : await indexManual(runtime);
if (indexed) console.log(`indexed ${indexed.job.pagesFetched} pages, ${indexed.job.chunksStored} chunks into ${runtime.database.location}`);
const db = runtime.database.db;
const deps = runtime.search;

// --- corpus: each chunk's lexemes in position order (title, headings, context, body)
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
let t0 = performance.now();
const corpus = await queryRows<{ id: number | string; page: string; seq: string[] }>(
  db,
  sql`select c.id, c.page_id as page, array_agg(u.lexeme order by p.pos) as seq
      from chunks c cross join lateral unnest(c.search) u cross join lateral unnest(u.positions) as p(pos)
      group by c.id, c.page_id`,
);
const pageUrls = new Map(
  (await queryRows<{ id: string; url: string }>(db, sql`select id, url from pages`)).map((r) => [r.id, path.basename(new URL(r.url).pathname)]),
);
const tokens = corpus.reduce((n, c) => n + c.seq.length, 0);
console.log(`corpus: ${corpus.length} chunks, ${tokens} lexeme tokens, read in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// --- training, timed; peak memory from the process's maximum resident set
global.gc?.();
const rssBefore = process.memoryUsage().rss;
t0 = performance.now();
const wv =
  method === 'fasttext'
    ? await trainFastText(corpus.map((c) => c.seq))
    : trainPpmi(
        corpus.map((c) => c.seq),
        { dim: dimension, window, minCount, seed: Number(option('--seed') ?? 1), powerIterations: Number(option('--power') ?? 2) },
      );
const trainSeconds = (performance.now() - t0) / 1000;
const peakRss = process.resourceUsage().maxRSS * 1024;
const perThousand = 1000 / corpus.length;
console.log(
  `trained ${method}: ${wv.words.length} words × ${wv.dim} in ${trainSeconds.toFixed(1)} s (${(trainSeconds * perThousand).toFixed(2)} s per 1,000 chunks); ` +
    `rss before ${mb(rssBefore)} MB, process peak ${mb(peakRss)} MB (+${mb(peakRss - rssBefore)} MB), vectors ${mb(wv.vectors.byteLength)} MB; load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
);
for (const w of ['median', 'concaten', 'password', 'percentil', 'agg', 'cumul', 'total', 'slow', 'replica'])
  console.log(
    `  ${w} →`,
    topNeighbours(w, 6)
      .map((n) => `${n.word} ${n.similarity.toFixed(2)}`)
      .join(', '),
  );

async function trainFastText(sequences: string[][]): Promise<WordVectors> {
  const specifier = process.env.FASTTEXT_MODULE ?? 'fasttext.wasm.js';
  const { getFastTextClass, getFastTextModule } = await import(specifier);
  const FastText = await getFastTextClass({ getFastTextModule });
  const ft = new FastText();
  const text = sequences.map((s) => s.join(' ')).join('\n');
  const url = `data:text/plain;base64,${Buffer.from(text).toString('base64')}`;
  const model = await ft.trainUnsupervised(
    url,
    'skipgram',
    {
      dim: dimension,
      ws: window,
      epoch: Number(option('--epoch') ?? 5),
      minCount,
      neg: 5,
      loss: 'ns',
      minn: 0,
      maxn: 0,
      bucket: 0,
      lr: 0.05,
      t: 1e-4,
      verbose: 0,
      seed: 1,
    },
    () => {},
  );
  const words = model.getWords();
  const list: string[] = [];
  for (let i = 0; i < words[0].size(); i++) list.push(words[0].get(i));
  const vectors = new Float32Array(list.length * dimension);
  list.forEach((w, i) => {
    vectors.set(model.getWordVector(w), i * dimension);
  });
  normaliseRows(vectors, dimension);
  const counts = Int32Array.from({ length: list.length }, (_, i) => words[1].get(i));
  return { words: list, index: new Map(list.map((w, i) => [w, i])), counts, dim: dimension, vectors };
}

/** Cosines of one word against the whole vocabulary. */
function similarities(word: string): Float32Array | null {
  const i = wv.index.get(word);
  if (i === undefined) return null;
  const { dim, vectors } = wv;
  const out = new Float32Array(wv.words.length);
  for (let j = 0; j < out.length; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! * vectors[j * dim + d]!;
    out[j] = s;
  }
  return out;
}

function topNeighbours(word: string, k: number, exclude = new Set<string>()): { word: string; similarity: number }[] {
  const sims = similarities(word);
  if (!sims) return [];
  const best: { word: string; similarity: number }[] = [];
  sims.forEach((s, j) => {
    const w = wv.words[j]!;
    if (w === word || exclude.has(w)) return;
    if (best.length < k || s > best[best.length - 1]!.similarity) {
      best.push({ word: w, similarity: s });
      best.sort((a, b) => b.similarity - a.similarity);
      if (best.length > k) best.pop();
    }
  });
  return best;
}

// --- the third list: IDF-weighted mean word vectors of each chunk
const stats = await deps.termStats.get();
const idfOf = (s: TermStats, l: string) => {
  const df = s.df.get(l) ?? 0;
  return Math.log(1 + (s.documents - df + 0.5) / (df + 0.5));
};
t0 = performance.now();
const chunkIds = corpus.map((c) => Number(c.id));
const chunkPage = new Map(corpus.map((c) => [Number(c.id), c.page]));
const meanVector = (lexemes: string[]) => {
  const v = new Float32Array(wv.dim);
  for (const l of lexemes) {
    const i = wv.index.get(l);
    if (i === undefined) continue;
    const w = idfOf(stats, l);
    for (let d = 0; d < wv.dim; d++) v[d]! += w * wv.vectors[i * wv.dim + d]!;
  }
  normaliseRows(v, wv.dim);
  return v;
};
const chunkVectors = new Float32Array(corpus.length * wv.dim);
corpus.forEach((c, i) => {
  chunkVectors.set(meanVector(c.seq), i * wv.dim);
});
console.log(`chunk vectors: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
corpus.length = 0;

function thirdList(lexemes: string[]): { id: number; r: number }[] {
  const q = meanVector(lexemes);
  const scored = chunkIds.map((id, i) => {
    let s = 0;
    for (let d = 0; d < wv.dim; d++) s += q[d]! * chunkVectors[i * wv.dim + d]!;
    return { id, s };
  });
  scored.sort((a, b) => b.s - a.s || a.id - b.id);
  return scored.slice(0, PAGE_CANDIDATES).map((x, i) => ({ id: x.id, r: i + 1 }));
}

type Variant = { label: string; kind: 'base' | 'exp' | 'third' | 'both'; k: number; tau: number; beta: number; solo: number; qdf: number; w: number };
const variants: Variant[] = variantSpec
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((spec) => {
    const [kind, ...kv] = spec.split(/\s+/);
    const p = Object.fromEntries(kv.map((x) => x.split('=')).map(([k, v]) => [k, Number(v)]));
    return {
      label: spec,
      kind: kind as Variant['kind'],
      k: p.k ?? 3,
      tau: p.tau ?? 0.5,
      beta: p.beta ?? 0.3,
      solo: p.solo ?? 100,
      qdf: p.qdf ?? Number.POSITIVE_INFINITY,
      w: p.w ?? 0.5,
    };
  });

/** Nearest corpus lexemes of the query's lexemes, with the weight each gets (the best over the query words it is near). */
function expansions(lexemes: string[], v: Variant): Map<string, number> {
  const own = new Set(lexemes);
  const out = new Map<string, number>();
  for (const l of own) {
    // qdf: only query words at most this common are expanded (a rare word's neighbours say more than a common one's).
    if ((stats.df.get(l) ?? 0) > v.qdf) continue;
    for (const n of topNeighbours(l, v.k, own)) if (n.similarity >= v.tau) out.set(n.word, Math.max(out.get(n.word) ?? 0, v.beta * n.similarity));
  }
  return out;
}

function expandedBm25(base: Bm25Query, extra: Map<string, number>, v: Variant): Bm25Query {
  const added = [...extra.keys()].filter((t) => !base.terms.includes(t));
  const solo = added.filter((t) => (stats.df.get(t) ?? 0) <= v.solo).map(quoteLexeme);
  return {
    terms: [...base.terms, ...added],
    idf: [...base.idf, ...added.map((t) => idfOf(stats, t) * extra.get(t)!)],
    match: base.match.map((tier) => [...tier, ...solo]),
    avgLength: base.avgLength,
  };
}

const fusion = resolveFusion(deps.embedder, undefined);
async function rank(q: Query, v: Variant, lexemes: string[], vector: number[] | null, extraTimes: number[]): Promise<string[]> {
  const t = performance.now();
  const base = bm25Query(lexemes, stats, deps.candidateBudget);
  const bm25 = base && (v.kind === 'exp' || v.kind === 'both') ? expandedBm25(base, expansions(lexemes, v), v) : base;
  const third = v.kind === 'third' || v.kind === 'both' ? thirdList(lexemes) : [];
  extraTimes.push(performance.now() - t);
  const rows = await fusedSearch(db, {
    table: 'chunks',
    text: q.query,
    vector,
    model: deps.embedder.model,
    useVector: true,
    useText: true,
    candidates: PAGE_CANDIDATES,
    limit: 2 * PAGE_CANDIDATES,
    fusion,
    filters: {},
    bm25,
    enough: ENOUGH,
    enoughPages: true,
  });
  const byId = new Map<number, FusedRow>(rows.map((r) => [r.id, r]));
  for (const x of third) {
    let row = byId.get(x.id);
    if (!row) {
      row = { id: x.id, vector_rank: null, text_rank: null, vector_distance: null, text_score: null, score: 0, page_id: chunkPage.get(x.id)! };
      byId.set(x.id, row);
    }
    row.score += v.w / (fusion.k + x.r);
  }
  const fused = [...byId.values()].sort((a, b) => b.score - a.score || a.id - b.id);
  return rankPages(fused, PAGE_POOL)
    .slice(0, 10)
    .map((p) => pageUrls.get(p.row.page_id!)!);
}

const fmt = (x: number) => x.toFixed(3);
type Row = Scores & { ms: number };
const results: Record<string, { all: Row; odd: Row; even: Row; extraMs: number }> = {};
const perQuery: Record<string, number[]> = {};
const lexemesOf = new Map<string, string[]>();
const vectorOf = new Map<string, number[] | null>();
for (const q of queries) {
  lexemesOf.set(q.id, await queryLexemes(db, q.query));
  vectorOf.set(q.id, (await deps.embedder.embed([q.query]))[0] ?? null);
}
// The replica must match searchKnowledge itself, or the figures below mean nothing.
let mismatches = 0;
for (const q of queries) {
  const real = await searchKnowledge(deps, {
    query: q.query,
    mode: 'hybrid',
    limit: 10,
    returnMode: 'pages',
    expandContext: 0,
    rerank: false,
  } as never);
  const mine = await rank(
    q,
    variants.find((v) => v.kind === 'base') ?? { ...variants[0]!, kind: 'base' },
    lexemesOf.get(q.id)!,
    vectorOf.get(q.id)!,
    [],
  );
  const theirs = real.results.map((r) => path.basename(new URL(r.url).pathname));
  if (theirs.join() !== mine.join()) mismatches++;
}
console.log(`replica of searchKnowledge: ${mismatches} of ${queries.length} rankings differ`);

for (const v of variants) {
  const rows: Row[] = [];
  const extra: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    const ranked = await rank(q, v, lexemesOf.get(q.id)!, vectorOf.get(q.id)!, extra);
    rows.push({ ...scoreRanking(ranked, q.relevant), ms: performance.now() - t });
  }
  const summary = (r: Row[]) => ({
    ...mean(r),
    ms: percentile(
      r.map((x) => x.ms),
      0.5,
    ),
  });
  results[v.label] = {
    all: summary(rows),
    odd: summary(rows.filter((_, i) => i % 2 === 0)),
    even: summary(rows.filter((_, i) => i % 2 === 1)),
    extraMs: percentile(extra, 0.5),
  };
  perQuery[v.label] = rows.map((r) => r.mrr10);
  const r = results[v.label]!;
  console.log(
    `${v.label.padEnd(34)} all R@5 ${fmt(r.all.recall5)} MRR ${fmt(r.all.mrr10)} | odd ${fmt(r.odd.recall5)} ${fmt(r.odd.mrr10)} | even ${fmt(r.even.recall5)} ${fmt(r.even.mrr10)} | Hit@1 ${fmt(r.all.hit1)} | p50 ${r.all.ms.toFixed(1)} ms (+${r.extraMs.toFixed(1)} ms in JS)`,
  );
}
if (args.includes('--misses')) {
  const base = perQuery[variants[0]!.label]!;
  for (const [label, mrr] of Object.entries(perQuery).slice(1)) {
    const changed = queries.flatMap((q, i) => (mrr[i] !== base[i] ? [`${q.id} ${base[i]!.toFixed(2)}→${mrr[i]!.toFixed(2)} ${q.query}`] : []));
    console.log(`--- ${label}: ${changed.length} questions changed MRR`);
    for (const c of changed) console.log('  ', c);
  }
  for (const q of queries.filter((_, i) => base[i] === 0))
    console.log(
      'miss',
      q.id,
      q.query,
      '→',
      [...expansions(lexemesOf.get(q.id)!, variants.find((v) => v.kind === 'exp') ?? variants[0]!).entries()]
        .map(([t, w]) => `${t}:${w.toFixed(2)}`)
        .join(' '),
    );
}
const out = option('--out');
if (out)
  fs.writeFileSync(out, JSON.stringify({ method, dimension, window, minCount, chunks: chunkIds.length, tokens, trainSeconds, results }, null, 2));
await indexed?.close();
await runtime.close();
process.exit(0);
