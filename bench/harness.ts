import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { dispatch } from '../inngest/dispatch';
import { startLocalRunner } from '../inngest/start-local-runner';
import { loadConfig } from '../server/config';
import { setRuntime } from '../server/runtime/global';
import { type Runtime, startRuntime } from '../server/runtime/runtime';
import { startCrawl } from '../server/services/crawl/start-crawl';
import { getJob, type Job } from '../server/services/jobs/jobs';
import { serveDirectoryInChild } from './site-process';

export const MANUAL_DIR = '/usr/share/doc/postgresql-doc-15/html';
export type BenchMode = 'embedded' | 'postgres';

export function requireManual(dir = MANUAL_DIR) {
  if (!fs.existsSync(dir)) {
    console.error(`${dir} not found. On Debian: apt-get install postgresql-doc-15`);
    process.exit(1);
  }
}

export const serverUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

export async function freshServerDatabase(url: string): Promise<string> {
  const name = `archon_bench_${Date.now()}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropServerDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(serverUrl()!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

/** Variables a benchmark passes through from the shell (tuning knobs). */
export const PASSED = [
  'HNSW_M',
  'HNSW_EF_CONSTRUCTION',
  'HNSW_EF_SEARCH',
  'EMBEDDING_DIMENSIONS',
  'RUNNER_SLOTS',
  'RERANK_PROVIDER',
  'RERANK_BASE_URL',
  'RERANK_API_KEY',
  'RERANK_MODEL',
  'EMBEDDING_BASE_URL',
  'EMBEDDING_API_KEY',
  'EMBEDDING_MODEL',
  'ARCHON_PGLITE_THREAD',
  'QUERY_REWRITE',
  'QUERY_REWRITE_TIMEOUT_MS',
  'CHAT_BASE_URL',
  'CHAT_API_KEY',
  'CHAT_MODEL',
];

/** A runtime like the server's (local runner, real functions) over a fresh database, or over `databaseUrl` when given. */
export async function startBenchRuntime(
  mode: BenchMode,
  extraEnv: Record<string, string> = {},
  databaseUrl?: string,
  keep = Boolean(process.env.BENCH_KEEP),
) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-'));
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ARCHON_DATA_DIR: dataDir,
    ...Object.fromEntries(PASSED.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
    ...(mode === 'postgres' ? { DATABASE_URL: databaseUrl ?? (await freshServerDatabase(serverUrl()!)) } : {}),
    ...extraEnv,
  };
  const config = loadConfig(env);
  const dropDatabase = () => (mode === 'postgres' && !databaseUrl ? dropServerDatabase(config.DATABASE_URL!) : Promise.resolve());
  const runtime = await startRuntime(config, {
    version: 'bench',
    afterClose: async () => {
      if (keep) return;
      fs.rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase();
    },
  });
  setRuntime(runtime);
  await startLocalRunner(runtime);
  return Object.assign(runtime, { env, dataDir, dropDatabase });
}

/** The crawl every benchmark makes of the manual: the whole site, eight URLs at a time. */
export const manualCrawlInput = (siteUrl: string) => ({
  url: `${siteUrl}/index.html`,
  mode: 'recursive' as const,
  maxDepth: 100,
  maxPages: 5000,
  scope: 'prefix' as const,
  include: [],
  exclude: [],
  respectRobots: true,
  concurrency: 8,
  delayMs: 0,
  timeoutMs: 30_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
});

/** Polls a job until it ends. */
export async function waitForJob(runtime: Runtime, id: string): Promise<Job> {
  let job = await getJob(runtime.database.db, id);
  while (!['completed', 'failed', 'cancelled'].includes(job.status)) {
    await new Promise((r) => setTimeout(r, 100));
    job = await getJob(runtime.database.db, id);
  }
  return job;
}

/** Crawls the manual from a local HTTP server and waits for the job to finish. */
export async function indexManual(runtime: Runtime, dir = MANUAL_DIR): Promise<{ job: Job; seconds: number; close(): Promise<void> }> {
  const site = await serveDirectoryInChild(dir);
  runtime.ingest.network.policy.allowedHosts.push(site.host);
  const t0 = performance.now();
  const started = await startCrawl(runtime.database.db, dispatch, manualCrawlInput(site.url));
  const job = await waitForJob(runtime, started.id);
  return { job, seconds: (performance.now() - t0) / 1000, close: () => site.close() };
}

/** N copies of the site under copy-1/ … copy-N/, linked from one index page (links, not copies: remove the root only). */
export function replicateSite(dir: string, n: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-site-'));
  const links = Array.from({ length: n }, (_, i) => {
    fs.symlinkSync(path.resolve(dir), path.join(root, `copy-${i + 1}`), 'dir');
    return `<li><a href="copy-${i + 1}/index.html">copy ${i + 1}</a></li>`;
  });
  fs.writeFileSync(path.join(root, 'index.html'), `<!doctype html><title>${n} copies</title><ul>${links.join('')}</ul>`);
  return root;
}
