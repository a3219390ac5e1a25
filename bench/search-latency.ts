// Search latency through the real tRPC HTTP API: indexes the PostgreSQL 15
// manual, starts Archon's server as its own process on that database (as it
// runs in production), and times hybrid, vector and full-text queries one at
// a time (p50/p95) and from 8 concurrent clients (queries per second). Also
// prints the query plans, which must use the HNSW and GIN indexes. The target
// (issue 18) is a ratio to the floor measured in the same run: hybrid search in
// pages mode, limit 10, p50 ≤ 5× and p95 ≤ 4× those of auth.me.
//   npm run bench:search [-- --db embedded|postgres] [-- --queries FILE] [-- --database URL [--api-key KEY]] [-- --in-turn]
// --database reuses a database indexed before. One crawled through the API
// already has an owner, so the server cannot sign one up: pass an API key of
// that owner with --api-key (or ARCHON_API_KEY) and it is used instead.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { sql } from 'drizzle-orm';
import superjson from 'superjson';
import { queryRows } from '../db/sql';
import { indexedDistance, queryVectorParam } from '../db/vector-index';
import { startCommand } from '../server/start-command';
import { type BenchMode, indexManual, requireManual, serverUrl, startBenchRuntime } from './harness';
import { percentile } from './metrics';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const db = (option('--db') as BenchMode | undefined) ?? (serverUrl() ? 'postgres' : 'embedded');
const queries = (JSON.parse(fs.readFileSync(option('--queries') ?? 'eval/queries/postgres-manual.json', 'utf8')) as { query: string }[]).map(
  (q) => q.query,
);
requireManual();

// --database reuses a database indexed before (e.g. by eval:search with BENCH_KEEP=1) instead of crawling again.
const reuse = option('--database');
const givenKey = option('--api-key') ?? process.env.ARCHON_API_KEY;
const runtime = await startBenchRuntime(reuse ? 'postgres' : db, {}, reuse, true);
const indexed = reuse ? null : await indexManual(runtime);
const [counted] = await queryRows<{ n: number }>(runtime.database.db, sql`select count(*)::int as n from chunks`);
console.log(`${reuse ? 'postgres (reused)' : db}: ${counted?.n ?? 0} chunks indexed; ${queries.length} distinct queries`);

// Query plans, as the search service runs them (index scans forced for the vector side).
const [vector] = await runtime.ingest.embedder.embed([queries[0]!]);
const dim = vector!.length;
const plans = await runtime.database.db.transaction(async (tx) => {
  await tx.execute(sql`set local enable_seqscan = off`);
  // Twice: a fresh connection's first vector query also loads pgvector and the index metadata.
  const explainVector = () =>
    queryRows<{ 'QUERY PLAN': string }>(
      tx,
      sql`explain (analyze, costs off) select id from chunks
    where indexed_dim = ${sql.raw(String(dim))} and embedding_model = ${runtime.ingest.embedder.model}
    order by ${indexedDistance(tx, 'chunks', dim, queryVectorParam(vector!))} limit 40`,
    );
  await explainVector();
  const v = await explainVector();
  // The full-text candidates as search selects them: separate clauses, bitmaps only.
  await tx.execute(sql`set local enable_indexscan = off`);
  const t = await queryRows<{ 'QUERY PLAN': string }>(
    tx,
    sql`explain (analyze, costs off) select id from chunks
    where search @@ to_tsquery('simple', 'cancel') or search @@ to_tsquery('simple', 'session & queri & run')`,
  );
  return { vector: v, text: t };
});
await indexed?.close();
await runtime.close();

// The server needs an owner and a key to answer; the rate limit must not shape the measurement.
const BENCH_KEY = givenKey ?? 'ak_0000000000be_' + 'b'.repeat(43);
// The server's route handlers come from the Next.js build, which must match the sources.
execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
const env = {
  ...process.env,
  ...runtime.env,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  ARCHON_RUNNER: 'local',
  ...(givenKey ? {} : { ARCHON_OWNER_EMAIL: 'bench@archon.local', ARCHON_OWNER_PASSWORD: 'benchmark pass phrase', ARCHON_OWNER_API_KEY: BENCH_KEY }),
  RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
};
// Started as `npm start` starts it.
const start = startCommand();
const proc = spawn(process.execPath, [...start.flags, '--import', 'tsx', 'server/index.ts'], {
  env: { ...start.env, ...env },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /is ready at (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const call = (procedure: string, input: unknown) =>
  new Promise<void>((resolve, reject) => {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    http
      .get(`${base}/api/trpc/${procedure}${query}`, { agent, headers: { authorization: `Bearer ${BENCH_KEY}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`))));
      })
      .on('error', reject);
  });
type Variant = { label: string; mode: string; returnMode: 'chunks' | 'pages'; limit: number };
const search = (query: string, v: Variant) => call('knowledge.search', { query, mode: v.mode, limit: v.limit, returnMode: v.returnMode });

/**
 * --in-turn: each query is asked of the floor and every variant in turn, so that
 * all of them share the machine's drift; by default each is timed in a block of
 * its own, the floor first and hybrid pages right after it.
 */
const inTurn = args.includes('--in-turn');
const runsInTurn: ((query: string) => Promise<void>)[] = [];
const timesInTurn = new Map<(query: string) => Promise<void>, number[]>();

async function timeInTurn() {
  for (const q of queries.slice(0, 20)) for (const run of runsInTurn) await run(q);
  for (let round = 0; round < 3; round++)
    for (const q of queries)
      for (const run of runsInTurn) {
        const t0 = performance.now();
        await run(q);
        timesInTurn.get(run)!.push(performance.now() - t0);
      }
}

/** Sequential p50/p95 over three rounds of the queries, then queries per second from 8 concurrent clients. */
async function measure(run: (query: string) => Promise<void>) {
  let times = timesInTurn.get(run);
  if (!times) {
    for (const q of queries.slice(0, 20)) await run(q);
    times = [];
    for (let round = 0; round < 3; round++) {
      for (const q of queries) {
        const t0 = performance.now();
        await run(q);
        times.push(performance.now() - t0);
      }
    }
  }
  const clients = 8;
  let next = 0;
  const total = queries.length * 3;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) await run(queries[next++ % queries.length]!);
    }),
  );
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), qps: total / ((performance.now() - t0) / 1000) };
}

const variants: Variant[] = [
  { label: 'hybrid pages, limit 10', mode: 'hybrid', returnMode: 'pages', limit: 10 },
  { label: 'hybrid chunks, limit 5', mode: 'hybrid', returnMode: 'chunks', limit: 5 },
  { label: 'vector chunks, limit 5', mode: 'vector', returnMode: 'chunks', limit: 5 },
  { label: 'fulltext chunks, limit 5', mode: 'fulltext', returnMode: 'chunks', limit: 5 },
];
// What every authenticated call pays before any search work (HTTP, tRPC, the API-key check), on this machine now.
const me = () => call('auth.me', undefined);
const runs = new Map(variants.map((v) => [v, (q: string) => search(q, v)]));
if (inTurn) {
  runsInTurn.push(me, ...runs.values());
  for (const run of runsInTurn) timesInTurn.set(run, []);
  await timeInTurn();
  console.log('p50 and p95 timed in turn: each query asked of the floor and every variant one after another');
}
const floor = await measure(me);
console.log(
  `floor    auth.me p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms, 8 clients ${floor.qps.toFixed(0)}/s (HTTP, tRPC and the API-key check, no search)`,
);
for (const v of variants) {
  const r = await measure(runs.get(v)!);
  console.log(
    `${v.label.padEnd(25)} p50 ${r.p50.toFixed(1)} ms (${(r.p50 / floor.p50).toFixed(1)}× floor), p95 ${r.p95.toFixed(1)} ms (${(r.p95 / floor.p95).toFixed(1)}× floor); 8 concurrent clients: ${r.qps.toFixed(0)} queries/s`,
  );
  if (v.label.startsWith('hybrid pages'))
    console.log(
      `  target p50 ≤ 5× floor: ${r.p50 <= 5 * floor.p50 ? 'met' : 'NOT met'}; p95 ≤ 4× floor: ${r.p95 <= 4 * floor.p95 ? 'met' : 'NOT met'}`,
    );
}
console.log(
  `--- vector plan\n${plans.vector
    .map((p) => p['QUERY PLAN'])
    .filter((l) => !l.includes('Order By'))
    .join('\n')}`,
);
console.log(`--- full-text plan\n${plans.text.map((p) => p['QUERY PLAN']).join('\n')}`);
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
if (!reuse) await runtime.dropDatabase();
fs.rmSync(runtime.dataDir, { recursive: true, force: true });
process.exit(0);
