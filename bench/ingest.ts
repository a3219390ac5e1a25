// Crawls the PostgreSQL 15 manual served from 127.0.0.1 with Archon's real
// server: its own process, started as `npm start` starts it, the crawl started
// and followed through the API. While it crawls, a probe (bench/probe.ts) asks
// /api/health and runs a search every 50 ms, and reports how long they waited.
// Prints pages/s, chunks/s, the server's idle and peak RSS, and the waits, for
// the embedded database and, when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
// names a PostgreSQL server, for that too.
//   npm run bench:ingest [-- --dir DIR] [-- --mode embedded|postgres] [-- --copies N] [-- --crawls N] [-- --harness]
// --copies N serves N copies of the site side by side (N times the pages), to
// check that memory stays flat as a site grows. --crawls N crawls N copies at
// once, as N sources. --harness also runs the crawl in this process without
// the web app (the pipeline alone: a breakdown of the server's figures).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/sql';
import {
  type BenchMode,
  dropServerDatabase,
  freshServerDatabase,
  indexManual,
  MANUAL_DIR,
  manualCrawlInput,
  PASSED,
  replicateSite,
  requireManual,
  serverUrl,
  startBenchRuntime,
} from './harness';
import { watchVectorIndex } from './index-watch';
import { type ProbeReport, startProbe } from './probe';
import { BENCH_KEY, startBenchServer } from './server-process';
import { serveDirectoryInChild } from './site-process';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const positive = (name: string) => {
  const n = Number(option(name) ?? 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got ${option(name)}`);
  return n;
};
const manual = option('--dir') ?? MANUAL_DIR;
requireManual(manual);
const copies = positive('--copies');
const crawls = positive('--crawls');
const queries = (JSON.parse(fs.readFileSync('eval/queries/postgres-manual.json', 'utf8')) as { query: string }[]).map((q) => q.query);

// --copies: one crawl of a site N times the size; --crawls: N crawls, one per copy.
const copiesServed = Math.max(copies, crawls);
const dir = copiesServed === 1 ? manual : replicateSite(manual, copiesServed);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type JobView = { id: string; status: string; pagesFetched: number; pagesFailed: number; chunksStored: number; error: string | null };

/** The real server: crawls through the API while the probe measures, then ten seconds of searching on the full database. */
async function runServer(mode: BenchMode) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-'));
  const databaseUrl = mode === 'postgres' ? await freshServerDatabase(serverUrl()!) : undefined;
  const site = await serveDirectoryInChild(dir);
  const server = await startBenchServer({
    ARCHON_DATA_DIR: dataDir,
    CRAWL_ALLOWED_HOSTS: site.host,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...Object.fromEntries(PASSED.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
  });
  try {
    // The first search loads what searching needs; not a wait the probe should count.
    for (const q of queries.slice(0, 5)) await server.query('knowledge.search', { query: q, mode: 'hybrid', limit: 10, returnMode: 'pages' });
    const idleRssMb = server.memory().rssMb;
    const probe = await startProbe(server.url, BENCH_KEY, queries);
    await sleep(2000);
    probe.phase('crawl');
    const indexWatch = databaseUrl ? watchVectorIndex(databaseUrl) : null;
    await server.loopDelay();
    let peakRssMb = idleRssMb;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, server.memory().rssMb)), 100);
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    const roots = crawls === 1 ? [site.url] : Array.from({ length: crawls }, (_, i) => `${site.url}/copy-${i + 1}`);
    const started = await Promise.all(roots.map((root) => server.mutate<{ id: string }>('knowledge.crawl', manualCrawlInput(root))));
    const ended = new Map<string, { job: JobView; seconds: number }>();
    // A server that stops answering (a reset kept-alive connection) is a finding, not the end of the run: counted, asked again.
    const pollErrors: string[] = [];
    const getJob = (id: string) =>
      server.query<JobView>('jobs.get', { id }).catch((err: Error) => {
        pollErrors.push(err.message);
        return null;
      });
    let said = 0;
    while (ended.size < started.length) {
      await sleep(250);
      if (performance.now() - said > 10_000) {
        said = performance.now();
        const views = await Promise.all(started.map(({ id }) => getJob(id)));
        console.error(
          `  ${mode}: ${((said - t0) / 1000).toFixed(0)} s, ${views.map((v) => (v ? `${v.status} ${v.pagesFetched} pages` : 'no answer')).join('; ')}`,
        );
      }
      for (const { id } of started) {
        if (ended.has(id)) continue;
        const job = await getJob(id);
        if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) ended.set(id, { job, seconds: (performance.now() - t0) / 1000 });
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = server.cpuSeconds() - cpu0;
    probe.phase('after');
    await indexWatch?.stop();
    const loopCrawl = await server.loopDelay();
    await sleep(10_000);
    const report = await probe.stop();
    // Slow: past the target, three times the idle p95.
    const vectorIndex = indexWatch?.group(report.crawl!.searches, 3 * report.after!.search.p95);
    const loopAfter = await server.loopDelay();
    clearInterval(sampler);
    const peak = Math.max(peakRssMb, server.memory().peakMb);
    const jobs = [...ended.values()];
    const sum = (k: 'pagesFetched' | 'pagesFailed' | 'chunksStored') => jobs.reduce((n, j) => n + j.job[k], 0);
    return {
      mode,
      run: 'server',
      ...(crawls > 1 ? { crawls } : {}),
      status: [...new Set(jobs.map((j) => j.job.status))].join(','),
      ...(jobs.some((j) => j.job.error) ? { error: jobs.find((j) => j.job.error)!.job.error } : {}),
      pages: sum('pagesFetched'),
      failed: sum('pagesFailed'),
      chunks: sum('chunksStored'),
      seconds: Number(seconds.toFixed(1)),
      ...(crawls > 1 ? { jobSeconds: jobs.map((j) => Number(j.seconds.toFixed(1))) } : {}),
      pagesPerSecond: Number((sum('pagesFetched') / seconds).toFixed(1)),
      chunksPerSecond: Number((sum('chunksStored') / seconds).toFixed(1)),
      // The server's CPU (every thread) during the crawl: steadier than the time on a shared machine.
      serverCpuSeconds: Number(cpuSeconds.toFixed(1)),
      idleRssMb,
      peakRssMb: peak,
      // How late the server's event loop ran (ms beyond its 10 ms timer): during the crawl, and searching afterwards.
      eventLoopDelay: { crawl: loopCrawl, after: loopAfter },
      waits: summarise(report),
      ...(vectorIndex ? { vectorIndex } : {}),
      ...(pollErrors.length ? { pollErrors: { n: pollErrors.length, first: pollErrors[0] } } : {}),
    };
  } finally {
    await server.stop();
    await site.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl) await dropServerDatabase(databaseUrl);
  }
}

/** The probe's figures: during the crawl, the longest and median waits; searches during the crawl against the idle full database. */
function summarise(report: ProbeReport) {
  const crawl = report.crawl!;
  const after = report.after!;
  const drop = ({ searches: _, ...waits }: ProbeReport[string]) => waits;
  return {
    crawl: drop(crawl),
    idleAfter: drop(after),
    longestMs: Math.max(crawl.health.max, crawl.search.max),
    resets: crawl.health.resets + crawl.search.resets + after.health.resets + after.search.resets,
    searchP95VsIdle: Number((crawl.search.p95 / Math.max(after.search.p95, 0.1)).toFixed(2)),
  };
}

/** The pipeline alone, in this process (no web app): the breakdown the server's figures are compared with. */
async function runHarness(mode: BenchMode) {
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
    run: 'harness',
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
  const extra = copies > 1 ? { copies } : {};
  console.log(JSON.stringify({ ...extra, ...(await runServer(mode)) }));
  if (args.includes('--harness') && crawls === 1) console.log(JSON.stringify({ ...extra, ...(await runHarness(mode)) }));
}
// Removes the links, not what they point to.
if (dir !== manual) fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
