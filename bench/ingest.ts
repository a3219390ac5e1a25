// Crawls the PostgreSQL 15 manual served from 127.0.0.1 through Archon's real
// pipeline (local runner, offline embedder) and prints pages/s, chunks/s, peak
// RSS and total time, for the embedded database and, when BENCH_DATABASE_URL
// (or TEST_DATABASE_URL) names a PostgreSQL server, for that too.
//   npm run bench:ingest [-- --dir DIR] [-- --mode embedded|postgres] [-- --copies N]
// --copies N serves N copies of the site side by side (N times the pages), to
// check that memory stays flat as a site grows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/sql';
import { type BenchMode, indexManual, MANUAL_DIR, requireManual, serverUrl, startBenchRuntime } from './harness';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const manual = option('--dir') ?? MANUAL_DIR;
requireManual(manual);
const copies = Number(option('--copies') ?? 1);
if (!Number.isInteger(copies) || copies < 1) throw new Error(`--copies: expected a positive integer, got ${option('--copies')}`);

/** N copies of the site under copy-1/ … copy-N/, linked from one index page. */
function replicate(dir: string, n: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-site-'));
  const links = Array.from({ length: n }, (_, i) => {
    fs.symlinkSync(path.resolve(dir), path.join(root, `copy-${i + 1}`), 'dir');
    return `<li><a href="copy-${i + 1}/index.html">copy ${i + 1}</a></li>`;
  });
  fs.writeFileSync(path.join(root, 'index.html'), `<!doctype html><title>${n} copies</title><ul>${links.join('')}</ul>`);
  return root;
}
const dir = copies === 1 ? manual : replicate(manual, copies);

async function run(mode: BenchMode) {
  const runtime = await startBenchRuntime(mode);
  const cpuStat = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const busy = (a: number[]) => a.reduce((x, y) => x + y, 0) - a[3]! - a[4]!;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const sys0 = cpuStat();
  const cpu0 = process.cpuUsage();
  const { job, seconds, close } = await indexManual(runtime, dir);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  const machineBusy = (busy(cpuStat()) - busy(sys0)) / 100;
  // A failed page is a finding, not noise: say why.
  const failures = await queryRows<{ reason: string; n: number }>(
    runtime.database.db,
    sql`select coalesce(reason, '') as reason, count(*)::int as n from crawl_urls where job_id = ${job.id} and status = 'failed' group by 1 order by 2 desc limit 5`,
  );
  for (const f of failures) console.error(`  failed ×${f.n}: ${f.reason}`);
  await close();
  await runtime.close();
  return {
    mode,
    status: job.status,
    pages: job.pagesFetched,
    failed: job.pagesFailed,
    chunks: job.chunksStored,
    seconds: Number(seconds.toFixed(1)),
    pagesPerSecond: Number((job.pagesFetched / seconds).toFixed(1)),
    chunksPerSecond: Number((job.chunksStored / seconds).toFixed(1)),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    cpuSeconds: { archon: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), machine: Number(machineBusy.toFixed(1)) },
  };
}

const only = option('--mode') as BenchMode | undefined;
const modes: BenchMode[] = only ? [only] : ['embedded', 'postgres'];
for (const mode of modes) {
  if (mode === 'postgres' && !serverUrl()) {
    console.log('postgres: skipped (set BENCH_DATABASE_URL to a PostgreSQL 15+ server with pgvector)');
    continue;
  }
  console.log(JSON.stringify({ ...(copies > 1 ? { copies } : {}), ...(await run(mode)) }));
}
// Removes the links, not what they point to.
if (dir !== manual) fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
