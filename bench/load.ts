// Load: two Archon server processes on one PostgreSQL database, under at the
// same time 4 crawls of local sites, a steady 50 API requests per second and
// 100 WebSocket subscribers to the jobs' progress. Prints the API latency
// (p50/p95/p99, errors), the event delivery latency (p50/p95, from an event
// row's timestamp to its arrival at a subscriber), events lost and duplicated
// per subscriber, and each server process's CPU and memory. Bounded: it stops
// itself after --seconds (90) even if the crawls have not finished.
//
//   flock /tmp/archon-build.lock npm run bench:load [-- --seconds 90 --pages 150 --rps 50 --subscribers 100]
//
// The database server is BENCH_DATABASE_URL or TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:55432/postgres); a fresh database is created
// on it and dropped at the end. The sites are the PostgreSQL manual
// (postgresql-doc-15), each served from its own process on its own port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import postgres from 'postgres';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { AppRouter } from '../server/routers/_app';
import { startCommand } from '../server/start-command';
import { MANUAL_DIR, requireManual } from './harness';
import { percentile } from './metrics';
import { type Site, serveDirectoryInChild } from './site-process';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const SECONDS = option('--seconds', 90);
const PAGES = option('--pages', 150);
const RPS = option('--rps', 50);
const SUBSCRIBERS = option('--subscribers', 100);
const CRAWLS = 4;
const PROCESSES = 2;
const DRAIN_MS = 5_000;

requireManual();
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const API_KEY = `ak_0000000010ad_${'l'.repeat(43)}`;
const cleanup: (() => Promise<unknown>)[] = [];
async function cleanUp() {
  for (const step of cleanup.splice(0).reverse()) await step().catch((err: unknown) => console.error('cleanup:', (err as Error).message));
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

// --- A fresh database, dropped at the end.
const dbName = `archon_load_${Date.now()}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
cleanup.push(async () => {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});
const dbUrl = Object.assign(new URL(baseUrl), { pathname: `/${dbName}` }).toString();
const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
cleanup.push(() => sql.end({ timeout: 2 }));

// --- The sites, each its own process and port (so each crawl is its own source).
const sites: Site[] = [];
for (let i = 0; i < CRAWLS; i++) {
  const site = await serveDirectoryInChild(MANUAL_DIR);
  sites.push(site);
  cleanup.push(() => site.close());
}

// --- Two Archon processes, started as `npm start` starts one.
execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-load-'));
cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
const serverEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: dbUrl,
  ARCHON_DATA_DIR: dataDir,
  ARCHON_SECRET: randomBytes(36).toString('base64url'),
  ARCHON_RUNNER: 'local',
  ARCHON_OWNER_EMAIL: 'load@archon.local',
  ARCHON_OWNER_PASSWORD: 'load benchmark pass phrase',
  ARCHON_OWNER_API_KEY: API_KEY,
  CRAWL_ALLOWED_HOSTS: sites.map((s) => s.host).join(','),
  // The benchmark's one key makes every request; the limits must not shape what is measured.
  RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
  RATE_LIMIT_CRAWL_PER_MINUTE: '1000',
};

type Server = { url: string; proc: ChildProcess; pid: number };
async function startServer(n: number): Promise<Server> {
  const start = startCommand();
  const proc = spawn(process.execPath, [...start.flags, '--import', 'tsx', 'server/index.ts'], {
    env: { ...start.env, ...serverEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  cleanup.push(async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /is ready at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`server ${n} exited with ${code}:\n${err.slice(-3000)}`)));
  });
  return { url, proc, pid: proc.pid! };
}
// One after the other: the first applies the migrations.
const servers: Server[] = [];
for (let i = 0; i < PROCESSES; i++) servers.push(await startServer(i + 1));
console.log(`2 Archon processes on ${dbName}: ${servers.map((s) => `${s.url} (pid ${s.pid})`).join(', ')}`);

// --- CPU and memory of each server process, from /proc, every second.
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const cpuTicks = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
type Usage = { cpu: number[]; rss: number[] };
const usage: Usage[] = servers.map(() => ({ cpu: [], rss: [] }));
const lastTicks = servers.map((s) => cpuTicks(s.pid));
let lastAt = performance.now();
const sampler = setInterval(() => {
  const now = performance.now();
  servers.forEach((s, i) => {
    try {
      const ticks = cpuTicks(s.pid);
      usage[i]!.cpu.push(((ticks - lastTicks[i]!) / CLOCK_TICKS / ((now - lastAt) / 1000)) * 100);
      usage[i]!.rss.push(rssMb(s.pid));
      lastTicks[i] = ticks;
    } catch {
      // The process has exited; its last samples stand.
    }
  });
  lastAt = now;
}, 1000);

// Where else the CPU goes: the PostgreSQL backends serving this database (they come and go, so
// each one's ticks are kept and summed at the end) and this process (the load and the subscribers).
const backendTicks = new Map<number, { first: number; last: number }>();
const backendSampler = setInterval(() => {
  void sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`
    .then((rows) => {
      for (const { pid } of rows) {
        try {
          const ticks = cpuTicks(pid);
          const seen = backendTicks.get(pid);
          if (seen) seen.last = ticks;
          else backendTicks.set(pid, { first: ticks, last: ticks });
        } catch {
          // A backend on another machine (a remote server) or already gone: not counted.
        }
      }
    })
    .catch(() => {});
}, 1000);
const benchCpuAtStart = process.cpuUsage();

// --- 100 subscribers to every job's progress, half on each process.
type JobEvent = { id: number; jobId: string; createdAt: Date };
type Subscriber = { received: Map<number, number>; duplicates: number; latencies: number[]; errors: number; close(): void };
function subscribe(server: Server): Promise<Subscriber> {
  const wsClient = createWSClient({
    url: `${server.url.replace(/^http/, 'ws')}/api/trpc-ws`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ apiKey: API_KEY }),
    retryDelayMs: () => 200,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
  const sub: Subscriber = { received: new Map(), duplicates: 0, latencies: [], errors: 0, close: () => {} };
  return new Promise((resolve) => {
    const subscription = client.jobs.onProgress.subscribe(
      {},
      {
        onStarted: () => resolve(sub),
        onData: (value: unknown) => {
          const event = ((value as { data?: JobEvent }).data ?? (value as [string, JobEvent])[1] ?? value) as JobEvent;
          const now = Date.now();
          if (sub.received.has(event.id)) sub.duplicates++;
          else sub.received.set(event.id, now);
          sub.latencies.push(now - new Date(event.createdAt).getTime());
        },
        onError: () => sub.errors++,
      },
    );
    sub.close = () => {
      subscription.unsubscribe();
      void wsClient.close();
    };
  });
}
const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => subscribe(servers[i % PROCESSES]!)));
cleanup.push(async () => {
  for (const s of subscribers) s.close();
});
const baseline = (await sql<{ n: number }[]>`select coalesce(max(id), 0)::int as n from job_events`)[0]!.n;
console.log(`${SUBSCRIBERS} subscribers connected; events after id ${baseline} are expected by each`);

// --- The API traffic: RPS requests a second, open loop (sent on schedule, not after the previous answer).
const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
const QUERIES = [
  'vacuum',
  'create index concurrently',
  'replication slot',
  'jsonb operators',
  'transaction isolation',
  'checkpoint tuning',
  'row level security',
];
const CALLS: [string, () => unknown][] = [
  ['knowledge.search', () => ({ query: QUERIES[Math.floor(Math.random() * QUERIES.length)], limit: 5 })],
  ['knowledge.search', () => ({ query: QUERIES[Math.floor(Math.random() * QUERIES.length)], limit: 5 })],
  ['jobs.list', () => ({})],
  ['knowledge.sources', () => ({})],
  ['auth.me', () => undefined],
];
type ApiSample = { procedure: string; ms: number; ok: boolean; status: string; sentAt: number };
const api: ApiSample[] = [];
let apiInFlight = 0;
function callApi(n: number) {
  const server = servers[n % PROCESSES]!;
  const [procedure, input] = CALLS[n % CALLS.length]!;
  const value = input();
  const query = value === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(value)))}`;
  const t0 = performance.now();
  apiInFlight++;
  const done = (status: string) => {
    apiInFlight--;
    api.push({ procedure, ms: performance.now() - t0, ok: status === '200', status, sentAt: t0 - started });
  };
  http
    .get(`${server.url}/api/trpc/${procedure}${query}`, { agent: agents[n % PROCESSES], headers: { authorization: `Bearer ${API_KEY}` } }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
    })
    .on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
}

// --- The crawls, two started through each process.
const loadAtStart = os.loadavg().map((l) => Number(l.toFixed(1)));
const started = performance.now();
const crawlJobs: string[] = [];
for (const [i, site] of sites.entries()) {
  const res = await fetch(`${servers[i % PROCESSES]!.url}/api/trpc/knowledge.crawl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      superjson.serialize({ url: `${site.url}/index.html`, mode: 'recursive', maxDepth: 100, maxPages: PAGES, scope: 'prefix', concurrency: 8 }),
    ),
  });
  if (!res.ok) throw new Error(`crawl ${i + 1} refused: HTTP ${res.status} ${await res.text()}`);
  crawlJobs.push(((await res.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id);
}
let sent = 0;
const ticker = setInterval(
  () => {
    const due = Math.floor(((performance.now() - started) / 1000) * RPS);
    while (sent < due) callApi(sent++);
  },
  Math.max(5, Math.floor(1000 / RPS)),
);

// --- Until the crawls end or the time is up.
type JobRow = { id: string; status: string; pages_fetched: number; chunks_stored: number };
let jobs: JobRow[] = [];
const deadline = started + SECONDS * 1000;
for (;;) {
  await new Promise((r) => setTimeout(r, 1000));
  jobs = await sql<JobRow[]>`select id, status, pages_fetched, chunks_stored from jobs where id in ${sql(crawlJobs)}`;
  const running = jobs.filter((j) => !['completed', 'failed', 'cancelled'].includes(j.status));
  if (running.length === 0 || performance.now() > deadline) break;
}
const crawlSeconds = (performance.now() - started) / 1000;
clearInterval(ticker);
const unfinished = jobs.filter((j) => !['completed', 'failed', 'cancelled'].includes(j.status));
for (const j of unfinished) {
  await fetch(`${servers[0]!.url}/api/trpc/jobs.cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(superjson.serialize({ id: j.id })),
  });
}
// Answers in flight, and events still on their way, are waited for.
const drainUntil = performance.now() + DRAIN_MS;
while (apiInFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 2000));
const last = (await sql<{ n: number }[]>`select coalesce(max(id), 0)::int as n from job_events`)[0]!.n;
const expectedIds = (await sql<{ id: number }[]>`select id::int from job_events where id > ${baseline} and id <= ${last} order by id`).map(
  (r) => r.id,
);
// Give every subscriber until the drain deadline to have the last event.
while (subscribers.some((s) => !s.received.has(last)) && performance.now() < drainUntil + 5000) await new Promise((r) => setTimeout(r, 50));
clearInterval(sampler);
clearInterval(backendSampler);
const benchCpu = process.cpuUsage(benchCpuAtStart);
jobs = await sql<JobRow[]>`select id, status, pages_fetched, chunks_stored from jobs where id in ${sql(crawlJobs)}`;

// --- Results.
const elapsed = (performance.now() - started) / 1000;
const okApi = api.filter((a) => a.ok).map((a) => a.ms);
const lost = subscribers.map((s) => expectedIds.filter((id) => !s.received.has(id)).length);
const extra = subscribers.map((s) => [...s.received.keys()].filter((id) => id > last || id <= baseline).length);
const latencies = subscribers.flatMap((s) => s.latencies);
const fmt = (n: number) => n.toFixed(1);
const byProcedure = [...new Set(api.map((a) => a.procedure))].map((p) => {
  const ms = api.filter((a) => a.procedure === p && a.ok).map((a) => a.ms);
  return `${p} p95 ${fmt(percentile(ms, 0.95))} ms (${ms.length})`;
});
const errorsByStatus = Object.fromEntries(
  [...new Set(api.filter((a) => !a.ok).map((a) => a.status))].map((st) => [st, api.filter((a) => a.status === st).length]),
);
const result = {
  when: new Date().toISOString(),
  // The machine's load while it ran: on a shared machine, the figures mean little without it.
  loadAverage: { start: loadAtStart, end: os.loadavg().map((l) => Number(l.toFixed(1))) },
  setup: { processes: PROCESSES, crawls: CRAWLS, maxPagesPerCrawl: PAGES, rps: RPS, subscribers: SUBSCRIBERS, cpus: os.cpus().length },
  seconds: { crawls: Number(crawlSeconds.toFixed(1)), total: Number(elapsed.toFixed(1)) },
  crawls: jobs.map((j) => ({ status: j.status, pages: j.pages_fetched, chunks: j.chunks_stored })),
  api: {
    sent: api.length,
    rate: Number((api.length / crawlSeconds).toFixed(1)),
    errors: api.filter((a) => !a.ok).length,
    errorsByStatus,
    p50: Number(fmt(percentile(okApi, 0.5))),
    p95: Number(fmt(percentile(okApi, 0.95))),
    p99: Number(fmt(percentile(okApi, 0.99))),
  },
  events: {
    expected: expectedIds.length,
    delivered: subscribers.reduce((n, s) => n + s.received.size, 0),
    lost: lost.reduce((a, b) => a + b, 0),
    subscribersMissingSome: lost.filter((n) => n > 0).length,
    duplicated: subscribers.reduce((n, s) => n + s.duplicates, 0),
    unexpected: extra.reduce((a, b) => a + b, 0),
    errors: subscribers.reduce((n, s) => n + s.errors, 0),
    p50: Number(fmt(percentile(latencies, 0.5))),
    p95: Number(fmt(percentile(latencies, 0.95))),
  },
  // Over the whole run, in percent of one core. Backends that started and ended between two samples are missed.
  postgresCpuPercent: Number(fmt(([...backendTicks.values()].reduce((n, b) => n + b.last - b.first, 0) / CLOCK_TICKS / elapsed) * 100)),
  benchProcessCpuPercent: Number(fmt(((benchCpu.user + benchCpu.system) / 1e6 / elapsed) * 100)),
  apiByTenSeconds: Array.from({ length: Math.ceil(crawlSeconds / 10) }, (_, k) => {
    const window = api.filter((a) => a.ok && a.sentAt >= k * 10_000 && a.sentAt < (k + 1) * 10_000).map((a) => a.ms);
    return Number(fmt(percentile(window, 0.95)));
  }),
  processes: usage.map((u, i) => ({
    pid: servers[i]!.pid,
    cpuAvgPercent: Number(fmt(u.cpu.reduce((a, b) => a + b, 0) / Math.max(1, u.cpu.length))),
    cpuPeakPercent: Number(fmt(Math.max(0, ...u.cpu))),
    rssPeakMb: Math.round(Math.max(0, ...u.rss)),
    rssEndMb: Math.round(u.rss.at(-1) ?? 0),
  })),
};

console.log(
  `\nload average ${result.loadAverage.start.join(' ')} at the start, ${result.loadAverage.end.join(' ')} at the end (${os.cpus().length} cores)`,
);
console.log(`crawls: ${result.crawls.map((c) => `${c.status} ${c.pages} pages/${c.chunks} chunks`).join('; ')} in ${fmt(crawlSeconds)} s`);
console.log(
  `API: ${result.api.sent} requests (${result.api.rate}/s), ${result.api.errors} errors ${JSON.stringify(errorsByStatus)}; p50 ${result.api.p50} ms, p95 ${result.api.p95} ms, p99 ${result.api.p99} ms`,
);
console.log(`     ${byProcedure.join('; ')}`);
console.log(
  `events: ${result.events.expected} written, ${result.events.delivered} delivered to ${SUBSCRIBERS} subscribers; lost ${result.events.lost} ` +
    `(${result.events.subscribersMissingSome} subscribers missing any), duplicated ${result.events.duplicated}, unexpected ${result.events.unexpected}; ` +
    `delivery p50 ${result.events.p50} ms, p95 ${result.events.p95} ms`,
);
for (const [i, p] of result.processes.entries()) {
  console.log(
    `process ${i + 1} (pid ${p.pid}): CPU ${p.cpuAvgPercent}% average, ${p.cpuPeakPercent}% peak (100% = one core); RSS peak ${p.rssPeakMb} MB, end ${p.rssEndMb} MB`,
  );
}
console.log(`PostgreSQL backends: CPU ${result.postgresCpuPercent}% average; this benchmark process: ${result.benchProcessCpuPercent}%`);
console.log(`API p95 by 10 s window of sending (ms): ${result.apiByTenSeconds.join(', ')}`);
fs.mkdirSync('bench/out', { recursive: true });
const outFile = `bench/out/load-${Date.now()}.json`;
fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(`written to ${outFile}`);

for (const agent of agents) agent.destroy();
await cleanUp();
process.exit(0);
