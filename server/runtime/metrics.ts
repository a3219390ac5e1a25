import { sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_KINDS, JOB_STATUSES } from '../../db/schema/jobs';
import { queryRows } from '../../db/sql';
import { loggedLines } from '../logger';
import type { Embedder } from '../services/embeddings/types';
import type { Runtime } from './runtime';

/**
 * The process's Prometheus metrics. Work is counted where it passes a
 * transport (HTTP, tRPC, WebSocket subscriptions) or the embedder the runtime
 * builds; everything else is read from the state it already lives in (the
 * jobs table, the runner's queue, the vector backlog, pg_stat_activity, the
 * runner's slots) when /api/metrics is scraped. Services know nothing of it.
 *
 * Read from the database, and so the same on every instance (take one
 * instance's value, or max(), not sum()): archon_jobs, archon_pages_processed_total,
 * archon_chunks_stored_total, archon_embeddings_stored_total, archon_runner_runs,
 * archon_runner_queue_depth, archon_vector_backlog_rows, archon_db_connections.
 */

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = { registers: [registry] };
  return {
    registry,
    httpRequests: new Counter({
      ...r,
      name: 'archon_http_requests_total',
      help: 'HTTP requests answered, by route, method and status',
      labelNames: ['route', 'method', 'status'],
    }),
    httpDuration: new Histogram({
      ...r,
      name: 'archon_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the last byte of the response), by route and method',
      labelNames: ['route', 'method'],
      buckets: SECONDS,
    }),
    trpcCalls: new Counter({
      ...r,
      name: 'archon_trpc_calls_total',
      help: 'tRPC calls, by procedure, type, transport and outcome (OK or the tRPC error code)',
      labelNames: ['procedure', 'type', 'transport', 'code'],
    }),
    trpcDuration: new Histogram({
      ...r,
      name: 'archon_trpc_call_duration_seconds',
      help: 'Time a tRPC query or mutation took, by procedure and transport (a subscription: until its stream opened)',
      labelNames: ['procedure', 'type', 'transport'],
      buckets: SECONDS,
    }),
    wsConnections: new Gauge({ ...r, name: 'archon_ws_connections', help: 'Open tRPC WebSocket connections' }),
    subscriptions: new Gauge({ ...r, name: 'archon_ws_subscriptions', help: 'Open subscriptions, by procedure', labelNames: ['procedure'] }),
    subscriptionEvents: new Counter({
      ...r,
      name: 'archon_subscription_events_total',
      help: 'Events sent to subscribers, by procedure',
      labelNames: ['procedure'],
    }),
    embeddingRequests: new Counter({
      ...r,
      name: 'archon_embedding_requests_total',
      help: 'Embedding requests (batches) made by this process, by model and outcome (ok, error)',
      labelNames: ['model', 'outcome'],
    }),
    embeddingTexts: new Counter({ ...r, name: 'archon_embedding_texts_total', help: 'Texts sent to be embedded, by model', labelNames: ['model'] }),
    embeddingTokens: new Counter({
      ...r,
      name: 'archon_embedding_tokens_total',
      help: 'Input tokens the embedding provider reported, by model (none for the offline embedder)',
      labelNames: ['model'],
    }),
    logLines: new Counter({
      ...r,
      name: 'archon_log_lines_total',
      help: 'Log lines written by this process, by level (error lines are its errors)',
      labelNames: ['level'],
    }),
    jobs: new Gauge({ ...r, name: 'archon_jobs', help: 'Jobs recorded, by kind and status', labelNames: ['kind', 'status'] }),
    pages: new Counter({
      ...r,
      name: 'archon_pages_processed_total',
      help: 'Pages processed by all jobs, by job kind and outcome (fetched, skipped, failed)',
      labelNames: ['kind', 'outcome'],
    }),
    chunks: new Counter({ ...r, name: 'archon_chunks_stored_total', help: 'Chunks stored by all jobs, by job kind', labelNames: ['kind'] }),
    embeddings: new Counter({
      ...r,
      name: 'archon_embeddings_stored_total',
      help: 'Embeddings stored or failed by all jobs, by job kind and outcome (done, failed)',
      labelNames: ['kind', 'outcome'],
    }),
    runnerSlots: new Gauge({ ...r, name: 'archon_runner_slots', help: "This process's local runner slots (0 when an Inngest server runs the jobs)" }),
    runnerBusy: new Gauge({ ...r, name: 'archon_runner_busy_slots', help: 'Runs this process is driving now' }),
    runnerRuns: new Gauge({
      ...r,
      name: 'archon_runner_runs',
      help: "Local runner runs not finished, by function and status (queued, running); Inngest's own are in its dashboard",
      labelNames: ['function', 'status'],
    }),
    runnerQueue: new Gauge({ ...r, name: 'archon_runner_queue_depth', help: 'Local runner runs due now and waiting for a slot' }),
    backlog: new Gauge({
      ...r,
      name: 'archon_vector_backlog_rows',
      help: 'Embedded rows not yet in their HNSW index, by table',
      labelNames: ['table'],
    }),
    dbConnections: new Gauge({
      ...r,
      name: 'archon_db_connections',
      help: "Archon's connections to the PostgreSQL database (all instances), by state (active, idle, idle in transaction)",
      labelNames: ['state'],
    }),
    dbPoolMax: new Gauge({
      ...r,
      name: 'archon_db_pool_max',
      help: "This process's connection pool size (DATABASE_POOL_MAX; 1 for the embedded database)",
    }),
    dbUp: new Gauge({ ...r, name: 'archon_database_up', help: 'Whether the last scrape could read the database (1) or not (0)' }),
    info: new Gauge({
      ...r,
      name: 'archon_info',
      help: 'Always 1: the version, database mode and job runner of this process',
      labelNames: ['version', 'database', 'runner'],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// One set per process: Next bundles route handlers apart from the custom server, and both record here.
const KEY = Symbol.for('archon.metrics');
type Holder = { [KEY]?: Metrics };

export function metrics(): Metrics {
  const holder = globalThis as Holder;
  holder[KEY] ??= createMetrics();
  return holder[KEY];
}

/** Counts an embedder's requests, texts and outcomes; tokens come from the provider (createEmbedder's onUsage). */
export function countedEmbedder(embedder: Embedder): Embedder {
  const m = metrics();
  return {
    model: embedder.model,
    dimensions: embedder.dimensions,
    async embed(texts, opts) {
      if (texts.length === 0) return embedder.embed(texts, opts);
      m.embeddingTexts.inc({ model: embedder.model }, texts.length);
      try {
        const vectors = await embedder.embed(texts, opts);
        m.embeddingRequests.inc({ model: embedder.model, outcome: 'ok' });
        return vectors;
      } catch (err) {
        m.embeddingRequests.inc({ model: embedder.model, outcome: 'error' });
        throw err;
      }
    },
  };
}

/** A subscription's stream, counted while it is open and per event sent. Counting starts with the stream, so one never started is never counted. */
export async function* countedStream<T>(procedure: string, source: AsyncIterable<T>): AsyncGenerator<T, void, unknown> {
  const m = metrics();
  m.subscriptions.inc({ procedure });
  try {
    for await (const item of source) {
      m.subscriptionEvents.inc({ procedure });
      yield item;
    }
  } finally {
    m.subscriptions.dec({ procedure });
  }
}

/** A tRPC call, once it has ended (a subscription: once its stream is open). */
export function countTrpcCall(labels: { procedure: string; type: string; transport: string }, code: string, seconds: number): void {
  const m = metrics();
  m.trpcDuration.observe(labels, seconds);
  m.trpcCalls.inc({ ...labels, code });
}

/** An HTTP request, once its response has gone. */
export function countHttpRequest(labels: { route: string; method: string }, status: number, seconds: number): void {
  const m = metrics();
  m.httpDuration.observe(labels, seconds);
  m.httpRequests.inc({ ...labels, status: String(status) });
}

export const countEmbeddingTokens = (model: string, tokens: number) => metrics().embeddingTokens.inc({ model }, Math.max(0, tokens));

type JobRow = {
  kind: string;
  status: string;
  n: number;
  fetched: number;
  skipped: number;
  failed: number;
  chunks: number;
  embedded: number;
  embed_failed: number;
};

async function readDatabaseState(runtime: Runtime, m: Metrics): Promise<void> {
  const { db } = runtime.database;
  const [jobs, runs, backlog, connections] = await Promise.all([
    queryRows<JobRow>(
      db,
      sql`select kind, status, count(*)::int as n, coalesce(sum(pages_fetched), 0)::float8 as fetched,
        coalesce(sum(pages_skipped), 0)::float8 as skipped, coalesce(sum(pages_failed), 0)::float8 as failed,
        coalesce(sum(chunks_stored), 0)::float8 as chunks, coalesce(sum(embeddings_done), 0)::float8 as embedded,
        coalesce(sum(embeddings_failed), 0)::float8 as embed_failed
      from jobs group by kind, status`,
    ),
    queryRows<{ function_id: string; status: string; n: number; due: number }>(
      db,
      sql`select function_id, status, count(*)::int as n, (count(*) filter (where status = 'queued' and next_at <= now()))::int as due
      from runner_runs where status in ('queued', 'running') group by function_id, status`,
    ),
    queryRows<{ t: string; n: number }>(
      db,
      sql`select 'chunks' as t, count(*)::int as n from chunks where indexed_dim is null and embedding_dim is not null
      union all select 'code_examples', count(*)::int from code_examples where indexed_dim is null and embedding_dim is not null`,
    ),
    runtime.database.mode === 'postgres'
      ? queryRows<{ state: string; n: number }>(
          db,
          sql`select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'archon' group by 1`,
        )
      : Promise.resolve([]),
  ]);

  // Every kind and status is reported, zero or not, so a series never vanishes and rate() sees its start.
  m.jobs.reset();
  m.pages.reset();
  m.chunks.reset();
  m.embeddings.reset();
  for (const kind of JOB_KINDS) {
    for (const status of JOB_STATUSES) m.jobs.set({ kind, status }, 0);
    for (const outcome of ['fetched', 'skipped', 'failed']) m.pages.inc({ kind, outcome }, 0);
    m.chunks.inc({ kind }, 0);
    for (const outcome of ['done', 'failed']) m.embeddings.inc({ kind, outcome }, 0);
  }
  for (const row of jobs) {
    m.jobs.set({ kind: row.kind, status: row.status }, Number(row.n));
    m.pages.inc({ kind: row.kind, outcome: 'fetched' }, Number(row.fetched));
    m.pages.inc({ kind: row.kind, outcome: 'skipped' }, Number(row.skipped));
    m.pages.inc({ kind: row.kind, outcome: 'failed' }, Number(row.failed));
    m.chunks.inc({ kind: row.kind }, Number(row.chunks));
    m.embeddings.inc({ kind: row.kind, outcome: 'done' }, Number(row.embedded));
    m.embeddings.inc({ kind: row.kind, outcome: 'failed' }, Number(row.embed_failed));
  }

  m.runnerRuns.reset();
  let due = 0;
  for (const fn of runtime.runner?.registry.all() ?? []) for (const status of ['queued', 'running']) m.runnerRuns.set({ function: fn.id, status }, 0);
  for (const row of runs) {
    m.runnerRuns.set({ function: row.function_id, status: row.status }, Number(row.n));
    due += Number(row.due);
  }
  m.runnerQueue.set(due);

  for (const row of backlog) m.backlog.set({ table: row.t }, Number(row.n));
  m.dbConnections.reset();
  for (const row of connections) m.dbConnections.set({ state: row.state }, Number(row.n));
}

/**
 * The Prometheus exposition: what was counted, with the state read now. A
 * database that cannot be read leaves its metrics as they were and says so
 * in archon_database_up, so the process's own metrics still arrive.
 */
export async function renderMetrics(
  runtime: Runtime,
  opts: { runner: string; wsConnections?: () => number },
): Promise<{ body: string; contentType: string }> {
  const m = metrics();
  m.info.reset();
  m.info.set({ version: runtime.version, database: runtime.database.mode, runner: opts.runner }, 1);
  m.runnerSlots.set(runtime.runner?.slots ?? 0);
  m.runnerBusy.set(runtime.runner?.busy() ?? 0);
  m.dbPoolMax.set(runtime.database.mode === 'postgres' ? runtime.config.DATABASE_POOL_MAX : 1);
  m.wsConnections.set(opts.wsConnections?.() ?? 0);
  m.logLines.reset();
  for (const [level, count] of Object.entries(loggedLines())) m.logLines.inc({ level }, count);
  try {
    await readDatabaseState(runtime, m);
    m.dbUp.set(1);
  } catch (err) {
    m.dbUp.set(0);
    runtime.logger.warn('metrics: could not read the database', { error: err as Error });
  }
  return { body: await m.registry.metrics(), contentType: m.registry.contentType };
}
