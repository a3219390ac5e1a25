// Search latency through the real tRPC HTTP API: indexes the PostgreSQL 15
// manual, starts Archon's server as its own process on that database (as it
// runs in production), and times hybrid, vector and full-text queries one at
// a time (p50/p95) and from 8 concurrent clients (queries per second). Also
// prints the query plans, which must use the HNSW and GIN indexes.
//   npm run bench:search [-- --db embedded|postgres] [-- --queries FILE] [-- --database URL]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { sql } from 'drizzle-orm';
import superjson from 'superjson';
import { queryRows } from '../db/sql';
import { indexedDistance, queryVectorParam } from '../db/vector-index';
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
const BENCH_KEY = 'ak_0000000000be_' + 'b'.repeat(43);
// The server's route handlers come from the Next.js build, which must match the sources.
execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
const env = {
  ...process.env,
  ...runtime.env,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  ARCHON_RUNNER: 'local',
  ARCHON_OWNER_EMAIL: 'bench@archon.local',
  ARCHON_OWNER_PASSWORD: 'benchmark pass phrase',
  ARCHON_OWNER_API_KEY: BENCH_KEY,
  RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
};
// Started as `npm start` starts it.
const proc = spawn(process.execPath, ['--max-semi-space-size=8', '--import', 'tsx', 'server/index.ts'], {
  env,
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
const search = (query: string, mode: string) => call('knowledge.search', { query, mode, limit: 5 });

// What every authenticated call pays before any search work (HTTP, tRPC, the API-key check), on this machine now.
{
  const times: number[] = [];
  for (let k = 0; k < queries.length * 3 + 20; k++) {
    const t0 = performance.now();
    await call('auth.me', undefined);
    if (k >= 20) times.push(performance.now() - t0);
  }
  console.log(
    `floor    auth.me p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms (HTTP, tRPC and the API-key check, no search)`,
  );
}

for (const mode of ['hybrid', 'vector', 'fulltext'] as const) {
  for (const q of queries.slice(0, 20)) await search(q, mode);
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of queries) {
      const t0 = performance.now();
      await search(q, mode);
      times.push(performance.now() - t0);
    }
  }
  const clients = 8;
  let next = 0;
  const total = queries.length * 3;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) await search(queries[next++ % queries.length]!, mode);
    }),
  );
  const qps = total / ((performance.now() - t0) / 1000);
  console.log(
    `${mode.padEnd(8)} sequential p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms; ${clients} concurrent clients: ${qps.toFixed(0)} queries/s`,
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
