// Crawls the PostgreSQL 15 manual served from 127.0.0.1 through Archon's real
// pipeline (local runner, offline embedder) and prints pages/s, chunks/s, peak
// RSS and total time, for the embedded database and, when BENCH_DATABASE_URL
// (or TEST_DATABASE_URL) names a PostgreSQL server, for that too.
//   npm run bench:ingest [-- --dir /usr/share/doc/postgresql-doc-15/html] [-- --mode embedded|postgres]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../db';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { createPubSub } from '../server/realtime/pubsub';
import { startLocalRunner } from '../server/runner/start-local-runner';
import { createCrawlDeps, setRuntime, type Runtime } from '../server/runtime';
import { startCrawl } from '../server/services/crawl/start-crawl';
import { getJob } from '../server/services/jobs';
import { dispatch } from '../inngest/dispatch';
import { serveDirectory } from './static-server';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const dir = option('--dir') ?? '/usr/share/doc/postgresql-doc-15/html';
const only = option('--mode');
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

if (!fs.existsSync(dir)) {
  console.error(`${dir} not found. On Debian: apt-get install postgresql-doc-15`);
  process.exit(1);
}

async function freshServerDatabase(url: string): Promise<string> {
  const name = `archon_bench_${Date.now()}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function run(mode: 'embedded' | 'postgres') {
  const site = await serveDirectory(dir);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-'));
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ARCHON_DATA_DIR: dataDir,
    CRAWL_ALLOWED_HOSTS: site.host,
    ...Object.fromEntries(['HNSW_M', 'HNSW_EF_CONSTRUCTION', 'EMBEDDING_DIMENSIONS', 'RUNNER_SLOTS'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
    ...(mode === 'postgres' ? { DATABASE_URL: await freshServerDatabase(serverUrl!) } : {}),
  };
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir, embeddingDimensions: config.EMBEDDING_DIMENSIONS, hnsw: { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION } });
  const pubsub = createPubSub(database.listen, logger);
  const runtime: Runtime = {
    config, logger, database, pubsub,
    crawl: createCrawlDeps(config, database, logger),
    version: 'bench', startedAt: new Date(),
    close: async () => { await runtime.runner?.stop(5_000); await pubsub.close(); await database.close(); },
  };
  setRuntime(runtime);
  await startLocalRunner(runtime);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const cpuStat = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const sys0 = cpuStat(); const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const job = await startCrawl(database.db, dispatch, { url: `${site.url}/index.html`, mode: 'recursive', maxDepth: 100, maxPages: 5000, scope: 'prefix', include: [], exclude: [], respectRobots: true, concurrency: 8, delayMs: 0, timeoutMs: 30_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 5 });
  let final = await getJob(database.db, job.id);
  while (!['completed', 'failed', 'cancelled'].includes(final.status)) {
    await new Promise((r) => setTimeout(r, 100));
    final = await getJob(database.db, job.id);
  }
  const seconds = (performance.now() - t0) / 1000;
  { const sys1 = cpuStat(); const busy = (a: number[]) => a.reduce((x, y) => x + y, 0) - a[3]! - a[4]!; const c = process.cpuUsage(cpu0); console.log('cpu: node', ((c.user + c.system) / 1e6).toFixed(1), 's, whole machine busy', ((busy(sys1) - busy(sys0)) / 100).toFixed(1), 's'); }
  console.log('stages', JSON.stringify(Object.fromEntries(Object.entries((globalThis as any).__T ?? {}).map(([k, v]) => [k, Math.round(v as number)]))), 'batches', (globalThis as any).__B);
  clearInterval(sampler);
  await runtime.close();
  await site.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    mode,
    status: final.status,
    pages: final.pagesFetched,
    failed: final.pagesFailed,
    chunks: final.chunksStored,
    seconds: Number(seconds.toFixed(1)),
    pagesPerSecond: Number((final.pagesFetched / seconds).toFixed(1)),
    chunksPerSecond: Number((final.chunksStored / seconds).toFixed(1)),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
}

const modes: ('embedded' | 'postgres')[] = only ? [only as 'embedded' | 'postgres'] : ['embedded', ...(serverUrl ? ['postgres' as const] : [])];
for (const mode of modes) {
  if (mode === 'postgres' && !serverUrl) {
    console.log('postgres: skipped (set BENCH_DATABASE_URL to a PostgreSQL 15+ server with pgvector)');
    continue;
  }
  console.log(JSON.stringify(await run(mode)));
}
process.exit(0);
