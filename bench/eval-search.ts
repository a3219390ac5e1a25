// Search quality on a real corpus: indexes the PostgreSQL 15 manual, runs a
// query file of developer questions with known answer pages, and prints
// Recall@1/5/10, MRR@10, nDCG@10, Hit@1 and latency p50/p95 per mode, for the
// whole set and for its halves (odd- and even-numbered questions), then the same
// for a second set of queries that are exactly an identifier (a GUC, an SQL
// function, a libpq or SPI call), reported separately.
//   npm run eval:search [-- --queries eval/queries/postgres-manual.json] [-- --identifiers eval/queries/postgres-identifiers.json]
//     [-- --limit 10] [-- --db embedded|postgres] [-- --out results.json] [-- --misses]
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
const identifiersFile = option('--identifiers') ?? 'eval/queries/postgres-identifiers.json';
const identifiers = identifiersFile === 'none' ? [] : (JSON.parse(fs.readFileSync(identifiersFile, 'utf8')) as Query[]);
const limit = Number(option('--limit') ?? 10);
requireManual();

// --database reuses a database this script indexed before (with BENCH_KEEP=1), to tune search without re-crawling.
const reuse = option('--database');
const runtime = await startBenchRuntime(reuse ? 'postgres' : db, {}, reuse);
const indexed = reuse ? null : await indexManual(runtime);
if (indexed) console.log(`indexed ${indexed.job.pagesFetched} pages, ${indexed.job.chunksStored} chunks (${db}) into ${runtime.database.location}`);
console.log(`${queries.length} queries from ${queriesFile}, ${identifiers.length} from ${identifiersFile}; limit ${limit}`);

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
type Row = Scores & { p50ms: number; p95ms: number };
const report: Record<string, Row> = {};
const misses: string[] = [];
const fmt = (x: number) => x.toFixed(3);
const header = 'mode            R@1    R@5    R@10   MRR@10 nDCG@10 Hit@1  Hit@5  p50ms  p95ms';
const line = (label: string, r: Row) =>
  `${label.padEnd(15).slice(0, 15)} ${fmt(r.recall1)}  ${fmt(r.recall5)}  ${fmt(r.recall10)}  ${fmt(r.mrr10)}  ${fmt(r.ndcg10)}   ${fmt(r.hit1)}  ${fmt(r.hit5)}  ${r.p50ms.toFixed(1).padStart(5)}  ${r.p95ms.toFixed(1).padStart(5)}`;
const summary = (rows: { s: Scores; ms: number }[]): Row => {
  const ms = rows.map((r) => r.ms);
  return { ...mean(rows.map((r) => r.s)), p50ms: percentile(ms, 0.5), p95ms: percentile(ms, 0.95) };
};
// Halves: odd- and even-numbered questions, to tell a real gain from tuning noise (a change is kept only if both gain).
const sets = [
  { name: 'all questions', queries, halves: true },
  { name: 'exact identifiers', queries: identifiers, halves: false },
].filter((set) => set.queries.length > 0);
for (const set of sets) {
  const tables: Record<string, Record<string, Row>> = { [set.name]: {}, ...(set.halves ? { 'odd half': {}, 'even half': {} } : {}) };
  for (const m of modes) {
    const rows: { s: Scores; ms: number }[] = [];
    for (const q of set.queries) {
      const t0 = performance.now();
      const res = await searchKnowledge(runtime.search, {
        query: q.query,
        mode: m.mode,
        limit,
        returnMode: 'pages',
        expandContext: 0,
        fusion: m.fusion,
        rerank: m.rerank,
      });
      const ms = performance.now() - t0;
      const ranked = res.results.map((r) => path.basename(new URL(r.url).pathname));
      const s = scoreRanking(ranked, q.relevant);
      rows.push({ s, ms });
      if (m.label === 'hybrid' && s.recall5 === 0) misses.push(`${q.id} ${q.query} → ${ranked.slice(0, 3).join(', ')} (want ${q.relevant[0]})`);
    }
    tables[set.name]![m.label] = summary(rows);
    if (set.halves) {
      tables['odd half']![m.label] = summary(rows.filter((_, i) => i % 2 === 0));
      tables['even half']![m.label] = summary(rows.filter((_, i) => i % 2 === 1));
    }
  }
  for (const [name, table] of Object.entries(tables)) {
    console.log(`--- ${name}`);
    console.log(header);
    for (const [label, r] of Object.entries(table)) {
      console.log(line(label, r));
      report[`${name}: ${label}`] = r;
    }
  }
}
if (args.includes('--misses')) for (const miss of misses) console.log('miss:', miss);
const out = option('--out');
if (out)
  fs.writeFileSync(
    out,
    JSON.stringify({ db, chunks: indexed?.job.chunksStored, queries: queries.length, identifiers: identifiers.length, limit, report }, null, 2),
  );
await indexed?.close();
await runtime.close();
process.exit(0);
