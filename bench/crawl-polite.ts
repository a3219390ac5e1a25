// Crawls the PostgreSQL 15 manual twice: from a server that keeps connections
// open, and from a small one (listen backlog 5, one connection per request,
// dropping connections beyond 6 at once; or, with --python, Python's
// http.server), each in its own process. Prints both times and their ratio,
// failed pages, retries, overload signals, the concurrency reached, and the
// connections opened (counted by the crawler and, for the Node servers, by the
// server). The target (issue 18): the small server's crawl takes at most 1.5×
// the keep-alive one's, with no failed page.
//   npm run bench:polite [-- --mode embedded|postgres] [-- --runs N] [-- --python] [-- --max-connections N] [-- --dir DIR]
// --mode postgres (the default when BENCH_DATABASE_URL or TEST_DATABASE_URL is
// set) crawls into a fresh database on that server, dropped afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { jobEvents } from '../db/schema';
import { dispatch } from '../inngest/dispatch';
import { startLocalRunner } from '../inngest/start-local-runner';
import { loadConfig } from '../server/config';
import { setRuntime } from '../server/runtime/global';
import { startRuntime } from '../server/runtime/runtime';
import { startCrawl } from '../server/services/crawl/start-crawl';
import { getJob, type Job } from '../server/services/jobs/jobs';
import { type Counts, type SmallServer, startSmallServerInChild } from '../test/fixtures/small-server';

const MANUAL_DIR = '/usr/share/doc/postgresql-doc-15/html';
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const mode = (option('--mode') ?? (serverUrl ? 'postgres' : 'embedded')) as 'embedded' | 'postgres';
if (mode !== 'embedded' && mode !== 'postgres') throw new Error(`--mode: expected embedded or postgres, got ${mode}`);
if (mode === 'postgres' && !serverUrl) throw new Error('--mode postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
const runs = Number(option('--runs') ?? 1);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${option('--runs')}`);
const python = args.includes('--python');
const maxConnections = Number(option('--max-connections') ?? 6);
const dir = option('--dir') ?? MANUAL_DIR;
if (!fs.existsSync(dir)) {
  console.error(`${dir} not found. On Debian: apt-get install postgresql-doc-15`);
  process.exit(1);
}

// Copied from bench/harness.ts (owned elsewhere): a fresh database on the server, dropped afterwards.
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `archon_bench_polite_${Date.now()}`;
  const admin = () => postgres(serverUrl!, { max: 1, onnotice: () => {} });
  const create = admin();
  await create.unsafe(`CREATE DATABASE ${name}`);
  await create.end();
  const u = new URL(serverUrl!);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const drop = admin();
      await drop.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    },
  };
}

/** Python's http.server in its own process: ThreadingHTTPServer, HTTP/1.0, request_queue_size 5. */
async function startPython(root: string): Promise<SmallServer> {
  const child: ChildProcess = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`python3 -m http.server exited: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    counts: async () => ({ connections: Number.NaN, dropped: Number.NaN, requests: Number.NaN, maxOpen: Number.NaN }),
    close: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

type Result = { seconds: number; job: Job; politeness: string; counts: Counts };

async function crawlFrom(site: SmallServer): Promise<Result> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-polite-'));
  const database = mode === 'postgres' ? await freshDatabase() : null;
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ARCHON_DATA_DIR: dataDir,
    CRAWL_ALLOWED_HOSTS: site.host,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const runtime = await startRuntime(config, { version: 'bench' });
  try {
    setRuntime(runtime);
    await startLocalRunner(runtime);
    const t0 = performance.now();
    // The crawl every benchmark makes of the manual (bench/harness.ts manualCrawlInput): the whole site, eight URLs at a time.
    const started = await startCrawl(runtime.database.db, dispatch, {
      url: `${site.url}/index.html`,
      mode: 'recursive',
      maxDepth: 100,
      maxPages: 5000,
      scope: 'prefix',
      include: [],
      exclude: [],
      respectRobots: true,
      concurrency: 8,
      delayMs: 0,
      timeoutMs: 30_000,
      maxBytes: 10 * 1024 * 1024,
      maxRedirects: 5,
    });
    let job = await getJob(runtime.database.db, started.id);
    while (!['completed', 'failed', 'cancelled'].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 100));
      job = await getJob(runtime.database.db, started.id);
    }
    const seconds = (performance.now() - t0) / 1000;
    const logs = await runtime.database.db
      .select({ payload: jobEvents.payload })
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, job.id), eq(jobEvents.kind, 'log')));
    const messages = logs.map((l) => (l.payload as { message: string }).message);
    const politeness = messages.filter((m) => m.startsWith('Politeness')).at(-1) ?? '(no politeness line in the job log)';
    return { seconds, job, politeness, counts: await site.counts() };
  } finally {
    await runtime.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const describe = (name: string, r: Result) =>
  `${name}: ${r.seconds.toFixed(1)} s, ${r.job.pagesFetched} pages fetched, ${r.job.pagesFailed} failed, status ${r.job.status}` +
  `${Number.isNaN(r.counts.connections) ? '' : `; server accepted ${r.counts.connections} connections (${r.counts.dropped} dropped, ${r.counts.requests} requests)`}` +
  `\n  ${r.politeness}`;

console.log(
  `Crawling ${dir} (${mode}), ${runs} run(s): keep-alive server vs ${python ? "Python's http.server" : `a small server (backlog 5, one connection per request, at most ${maxConnections} at once)`}`,
);
const keepAlive: Result[] = [];
const small: Result[] = [];
for (let run = 1; run <= runs; run++) {
  for (const which of ['keep-alive', 'small'] as const) {
    const site =
      which === 'keep-alive'
        ? await startSmallServerInChild({ dir, keepAlive: true, backlog: 511, maxConnections: 1000 })
        : python
          ? await startPython(dir)
          : await startSmallServerInChild({ dir, backlog: 5, maxConnections });
    try {
      const result = await crawlFrom(site);
      (which === 'keep-alive' ? keepAlive : small).push(result);
      console.log(`run ${run} ${describe(which, result)}`);
    } finally {
      await site.close();
    }
  }
}
const ka = median(keepAlive.map((r) => r.seconds));
const sm = median(small.map((r) => r.seconds));
const failed = small.reduce((n, r) => n + r.job.pagesFailed, 0) + keepAlive.reduce((n, r) => n + r.job.pagesFailed, 0);
console.log(
  JSON.stringify({
    mode,
    server: python ? 'python http.server' : `node, backlog 5, ${maxConnections} at once`,
    runs,
    keepAliveSeconds: +ka.toFixed(1),
    smallSeconds: +sm.toFixed(1),
    ratio: +(sm / ka).toFixed(2),
    failedPages: failed,
    smallRetries: small.map((r) => /(\d[\d,]*) retr/.exec(r.politeness)?.[1] ?? '?'),
    // Python's server counts nothing: its connections are the ones the crawler opened.
    smallConnections: small.map((r) =>
      Number.isNaN(r.counts.connections) ? `${/([\d,]+) connections? opened/.exec(r.politeness)?.[1] ?? '?'} (crawler)` : r.counts.connections,
    ),
    keepAliveConnections: keepAlive.map((r) => r.counts.connections),
    target: sm <= 1.5 * ka && failed === 0 ? 'met' : 'missed',
  }),
);
process.exit(0);
