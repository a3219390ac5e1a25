// Where the real server's memory goes: starts it as bench:ingest does (its own
// process, `npm start`'s flags, the Next.js app), crawls the PostgreSQL manual
// through the API, and asks the server (bench/memory-probe.mjs) for a
// breakdown of its resident memory: idle, every two seconds of the crawl, at
// its highest RSS, and after. Optionally writes V8 heap snapshots (idle, and
// mid-crawl) to open in Chrome's DevTools.
//   node --import tsx bench/memory.ts [--mode embedded|postgres] [--copies N] [--snapshots DIR] [--timeline] [--pages]
// --pages, after the crawl: loads every dashboard page once (its first load,
// when Next loads its code, then a second) and says how long each took and the
// RSS once all are loaded — what next.config.ts's preloadEntriesOnStart trades.
// Prints one JSON line: idle and peak RSS, crawl time and CPU, and on the
// embedded database its WebAssembly memory (idle, largest) and the longest
// time its worker was held by one statement (the index build at the end).
// BENCH_NODE_FLAGS replaces the start script's V8 flags (bench/server-process.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type BenchMode,
  dropServerDatabase,
  freshServerDatabase,
  MANUAL_DIR,
  manualCrawlInput,
  PASSED,
  replicateSite,
  requireManual,
  serverUrl,
} from './harness';
import { BENCH_KEY, type MemoryBreakdown, startBenchServer, startCommand } from './server-process';
import { serveDirectoryInChild } from './site-process';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const mode = (option('--mode') ?? 'embedded') as BenchMode;
if (mode !== 'embedded' && mode !== 'postgres') throw new Error(`--mode: embedded or postgres, got ${mode}`);
const copies = Number(option('--copies') ?? 1);
if (!Number.isInteger(copies) || copies < 1) throw new Error(`--copies: expected a positive integer, got ${option('--copies')}`);
const snapshots = option('--snapshots');
requireManual();
if (mode === 'postgres' && !serverUrl()) throw new Error('--mode postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line per breakdown: the figures that add up to RSS. */
const line = (b: MemoryBreakdown | null) =>
  b && {
    rss: b.rssMb,
    heapUsed: b.heapUsedMb,
    heapTotal: b.heapTotalMb,
    external: b.externalMb,
    arrayBuffers: b.arrayBuffersMb,
    malloced: b.mallocedMb,
    ...b.smaps,
    spaces: b.spaces,
  };

const PAGES = [
  '/knowledge',
  '/search',
  '/jobs',
  '/projects',
  '/connect',
  '/account',
  '/account/api-keys',
  '/settings',
  '/settings/users',
  '/settings/audit',
];

/** Each dashboard page twice, in ms: its first load (its code loaded then, unless preloaded at start) and a second one. */
async function loadPages(base: string, jobId: string) {
  const get = async (route: string) => {
    const t = performance.now();
    const res = await fetch(new URL(route, base), { headers: { authorization: `Bearer ${BENCH_KEY}` }, redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${route}: ${res.status}`);
    return Math.round(performance.now() - t);
  };
  const first: Record<string, number> = {};
  const second: Record<string, number> = {};
  for (const route of [...PAGES, `/jobs/${jobId}`]) {
    first[route] = await get(route);
    second[route] = await get(route);
  }
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return { firstMs: first, secondMs: second, firstTotalMs: sum(first), secondTotalMs: sum(second) };
}

const dir = copies === 1 ? MANUAL_DIR : replicateSite(MANUAL_DIR, copies);
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
  // Start-up's own high-water mark (opening the database, initdb on a new one, loading the app), before any crawl.
  const readyHwmMb = server.startPeakMb;
  const ready = await server.memoryBreakdown(true);
  await server.query('knowledge.search', { query: 'vacuum', mode: 'hybrid', limit: 10, returnMode: 'pages' });
  await sleep(1000);
  const idle = await server.memoryBreakdown(true);
  if (snapshots) console.error(`  idle snapshot: ${await server.heapSnapshot(path.join(snapshots, `${mode}-idle.heapsnapshot`))}`);
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  const { id } = await server.mutate<{ id: string }>('knowledge.crawl', manualCrawlInput(site.url));
  const timeline: unknown[] = [];
  let snapped = false;
  let job: { status: string; pagesFetched: number; chunksStored: number } = { status: 'queued', pagesFetched: 0, chunksStored: 0 };
  while (!['completed', 'failed', 'cancelled'].includes(job.status)) {
    await sleep(2000);
    job = await server.query('jobs.get', { id });
    const b = await server.memoryBreakdown();
    const s = (performance.now() - t0) / 1000;
    timeline.push({ s: Math.round(s), pages: job.pagesFetched, ...line(b.now), worker: b.worker });
    console.error(
      `  ${s.toFixed(0)} s ${job.status} ${job.pagesFetched} pages: rss ${b.now.rssMb} heapUsed ${b.now.heapUsedMb} ext ${b.now.externalMb} ` +
        `ab ${b.now.arrayBuffersMb} anon ${(b.now.smaps as { anon: number }).anon} worker ${JSON.stringify(b.worker ?? {})}`,
    );
    if (snapshots && !snapped && job.pagesFetched > 400 * copies) {
      snapped = true;
      console.error(`  crawl snapshot: ${await server.heapSnapshot(path.join(snapshots, `${mode}-crawl.heapsnapshot`))}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  // The server's CPU over the crawl (every thread): steadier than the time on a shared machine, and what a tighter heap costs in GC.
  const cpuSeconds = server.cpuSeconds() - cpu0;
  const atEnd = await server.memoryBreakdown();
  const stalls = (atEnd as { workerStalls?: { longestMs: number; over1s: number; wasmMaxMb: number } }).workerStalls;
  const hasWorker = idle.worker?.wasmMemoryMb !== undefined;
  await sleep(5000);
  const after = await server.memoryBreakdown();
  const pages = args.includes('--pages') ? await loadPages(server.url, id) : undefined;
  console.log(
    JSON.stringify({
      mode,
      copies,
      start: startCommand(),
      status: job.status,
      pages: job.pagesFetched,
      chunks: job.chunksStored,
      seconds: Number(seconds.toFixed(1)),
      serverCpuSeconds: Number(cpuSeconds.toFixed(1)),
      readyRssMb: ready.now.rssMb,
      readyHwmMb,
      idleRssMb: idle.now.rssMb,
      peakRssMb: Math.max(server.memory().peakMb, atEnd.peak?.rssMb ?? 0),
      // Embedded: PGlite's WebAssembly memory (it never shrinks) and the longest statement, which held every other caller.
      ...(hasWorker && stalls ? { wasmMb: { idle: idle.worker?.wasmMemoryMb, max: stalls.wasmMaxMb }, workerLongestStallMs: stalls.longestMs } : {}),
      idle: { ...line(idle.now), worker: idle.worker },
      peak: line(atEnd.peak),
      after: { ...line(after.now), worker: after.worker },
      ...(pages ? { pages: { ...pages, rssAfterMb: (await server.memoryBreakdown()).now.rssMb } } : {}),
      ...(args.includes('--timeline') ? { timeline } : {}),
    }),
  );
} finally {
  await server.stop();
  await site.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropServerDatabase(databaseUrl);
  if (dir !== MANUAL_DIR) fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
