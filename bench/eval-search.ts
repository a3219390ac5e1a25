// Search quality on a real corpus: indexes the PostgreSQL 15 manual, runs a
// query file of developer questions with known answer pages, and prints
// Recall@1/5/10, MRR@10, nDCG@10, Hit@1 and latency p50/p95 per mode.
//   npm run eval:search [-- --queries eval/queries/postgres-manual.json] [-- --db embedded|postgres] [-- --out results.json]
import fs from 'node:fs';
import path from 'node:path';
import type { SearchMode } from '../server/schemas/search';
import { searchKnowledge } from '../server/services/search/search-knowledge';
import { type BenchMode, indexManual, requireManual, serverUrl, startBenchRuntime } from './harness';
import { mean, percentile, type Scores, scoreRanking } from './metrics';

type Query = { id: string; query: string; relevant: string[] };
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const queriesFile = option('--queries') ?? 'eval/queries/postgres-manual.json';
const db = (option('--db') as BenchMode | undefined) ?? (serverUrl() ? 'postgres' : 'embedded');
const queries = JSON.parse(fs.readFileSync(queriesFile, 'utf8')) as Query[];
requireManual();

// --database reuses a database this script indexed before (with BENCH_KEEP=1), to tune search without re-crawling.
const reuse = option('--database');
const runtime = await startBenchRuntime(reuse ? 'postgres' : db, {}, reuse);
const indexed = reuse ? null : await indexManual(runtime);
if (indexed) console.log(`indexed ${indexed.job.pagesFetched} pages, ${indexed.job.chunksStored} chunks (${db}) into ${runtime.database.location}`);
console.log(`${queries.length} queries from ${queriesFile}`);

type Variant = { label: string; mode: SearchMode; rerank: boolean; fusion: { k: number; vectorWeight: number; textWeight: number } | undefined };
const defaults = undefined;
const modes: Variant[] = [
  { label: 'vector', mode: 'vector', rerank: false, fusion: defaults },
  { label: 'fulltext', mode: 'fulltext', rerank: false, fusion: defaults },
  { label: 'hybrid', mode: 'hybrid', rerank: false, fusion: defaults },
  ...(runtime.search.reranker ? [{ label: 'hybrid+rerank', mode: 'hybrid' as const, rerank: true, fusion: defaults }] : []),
  // --fusion k:vectorWeight:textWeight,… adds hybrid variants, for tuning.
  ...(option('--fusion') ?? '')
    .split(',')
    .filter(Boolean)
    .map((spec): Variant => {
      const [k, vw, tw] = spec.split(':').map(Number);
      return { label: `hybrid ${spec}`, mode: 'hybrid', rerank: false, fusion: { k: k!, vectorWeight: vw!, textWeight: tw! } };
    }),
];
const report: Record<string, Scores & { p50ms: number; p95ms: number }> = {};
const misses: Record<string, string[]> = {};
for (const m of modes) {
  const scores: Scores[] = [];
  const latencies: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const res = await searchKnowledge(runtime.search, {
      query: q.query,
      mode: m.mode,
      limit: 10,
      returnMode: 'pages',
      expandContext: 0,
      fusion: m.fusion,
      rerank: m.rerank,
    });
    latencies.push(performance.now() - t0);
    const ranked = res.results.map((r) => path.basename(new URL(r.url).pathname));
    const s = scoreRanking(ranked, q.relevant);
    scores.push(s);
    if (m.label === 'hybrid' && s.recall5 === 0)
      (misses[m.label] ??= []).push(`${q.id} ${q.query} → ${ranked.slice(0, 3).join(', ')} (want ${q.relevant[0]})`);
  }
  report[m.label] = { ...mean(scores), p50ms: percentile(latencies, 0.5), p95ms: percentile(latencies, 0.95) };
}
const fmt = (x: number) => x.toFixed(3);
console.log('mode            R@1    R@5    R@10   MRR@10 nDCG@10 Hit@1  Hit@5  p50ms  p95ms');
for (const [label, r] of Object.entries(report)) {
  console.log(
    `${label.padEnd(15).slice(0, 15)} ${fmt(r.recall1)}  ${fmt(r.recall5)}  ${fmt(r.recall10)}  ${fmt(r.mrr10)}  ${fmt(r.ndcg10)}   ${fmt(r.hit1)}  ${fmt(r.hit5)}  ${r.p50ms.toFixed(1).padStart(5)}  ${r.p95ms.toFixed(1).padStart(5)}`,
  );
}
if (args.includes('--misses')) for (const line of misses.hybrid ?? []) console.log('miss:', line);
const out = option('--out');
if (out) fs.writeFileSync(out, JSON.stringify({ db, chunks: indexed?.job.chunksStored, queries: queries.length, report }, null, 2));
await indexed?.close();
await runtime.close();
process.exit(0);
