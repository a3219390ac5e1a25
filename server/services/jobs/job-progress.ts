import { and, count, eq, sql } from 'drizzle-orm';
import { jobEvents, jobs } from '../../../db/schema';
import type { JobStatus } from '../../../db/schema/jobs';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import { CHANNELS, notify } from '../../realtime/channels';

/** A job as queries return it and as its status and progress events carry it (events leave out the input). */
export const jobColumns = {
  id: jobs.id,
  kind: jobs.kind,
  status: jobs.status,
  sourceId: jobs.sourceId,
  input: jobs.input,
  pagesDiscovered: jobs.pagesDiscovered,
  pagesFetched: jobs.pagesFetched,
  pagesSkipped: jobs.pagesSkipped,
  pagesFailed: jobs.pagesFailed,
  chunksStored: jobs.chunksStored,
  embeddingsDone: jobs.embeddingsDone,
  embeddingsFailed: jobs.embeddingsFailed,
  error: jobs.error,
  createdBy: jobs.createdBy,
  createdAt: jobs.createdAt,
  updatedAt: jobs.updatedAt,
  startedAt: jobs.startedAt,
  finishedAt: jobs.finishedAt,
};
export type JobCounters = {
  pagesDiscovered?: number;
  pagesFetched?: number;
  pagesSkipped?: number;
  pagesFailed?: number;
  chunksStored?: number;
  embeddingsDone?: number;
  embeddingsFailed?: number;
};

const TERMINAL: JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (status: JobStatus) => TERMINAL.includes(status);
/** Progress events per job are at most this often; status changes always go out. */
export const PROGRESS_INTERVAL_MS = 100;
// All job events take this lock before getting their id, so ids increase in
// commit order across jobs and the all-jobs stream can resume without gaps.
const EVENT_LOCK = 0x4a4f42; // "JOB"
// Archon v1 kept at most 200 log lines per operation; so does this.
const MAX_LOGS_PER_JOB = 200;

// PostgreSQL stores neither a NUL nor a lone UTF-16 surrogate (half an emoji, left by cutting a string to a length) in
// text or JSON: such a message or error would fail the write, and with it the job's end, which would then stay running.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storableText = (text: string) => text.replace(UNSTORABLE, '\uFFFD');
function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storable(v)]));
  return value;
}

/** Appends to the job's event stream and notifies on commit. Every job event is written here; call inside a transaction. */
export async function appendJobEvent(tx: Database, jobId: string, kind: 'status' | 'progress' | 'log', payload: Record<string, unknown>) {
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOCK})`);
  const [row] = await tx
    .insert(jobEvents)
    .values({ jobId, kind, payload: storable(payload) as Record<string, unknown> })
    .returning({ id: jobEvents.id });
  await notify(tx, CHANNELS.jobs, { key: jobId, id: row!.id });
}

/** A status or progress event: the job's row as it now is, without its input. */
export async function appendJobState(tx: Database, job: { id: string; input: unknown }, kind: 'status' | 'progress', message?: string) {
  const { input: _input, ...snapshot } = job;
  await appendJobEvent(tx, job.id, kind, { ...snapshot, ...(message ? { message } : {}) });
}

/**
 * Adds to the job's counters. A progress event goes out only if none did in
 * the last PROGRESS_INTERVAL_MS, so a busy crawl sends about ten a second.
 */
export async function recordJobProgress(db: Database, jobId: string, delta: JobCounters, message?: string) {
  return db.transaction(async (tx) => {
    const add = (col: keyof JobCounters) => sql`${jobs[col]} + ${delta[col] ?? 0}`;
    const due = sql`${jobs.lastEventAt} is null or ${jobs.lastEventAt} <= now() - ${`${PROGRESS_INTERVAL_MS} milliseconds`}::interval`;
    const [row] = await tx
      .update(jobs)
      .set({
        pagesDiscovered: add('pagesDiscovered'),
        pagesFetched: add('pagesFetched'),
        pagesSkipped: add('pagesSkipped'),
        pagesFailed: add('pagesFailed'),
        chunksStored: add('chunksStored'),
        embeddingsDone: add('embeddingsDone'),
        embeddingsFailed: add('embeddingsFailed'),
        lastEventAt: sql`case when ${due} then now() else ${jobs.lastEventAt} end`,
        updatedAt: new Date(),
      })
      .where(eq(jobs.id, jobId))
      .returning({ ...jobColumns, emit: sql<boolean>`${jobs.lastEventAt} = now()` });
    if (!row) throw notFound('Job', jobId);
    const { emit, ...job } = row;
    if (emit && !isTerminal(job.status)) await appendJobState(tx, job, 'progress', message);
    return job;
  });
}

/**
 * Locks the job's row until the transaction ends and says whether the job is
 * still active. Writes made in the same transaction after a true answer commit
 * before any cancel can: setJobStatus waits for this lock. Call inside a transaction.
 */
export async function lockActiveJob(tx: Database, jobId: string): Promise<boolean> {
  const [row] = await tx.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)).for('no key update');
  return row !== undefined && !isTerminal(row.status);
}

/**
 * Moves a job to a new status and always emits an event. A finished job stays
 * finished: a late "completed" cannot overwrite "cancelled".
 */
export async function setJobStatus(db: Database, jobId: string, status: JobStatus, error?: string | null) {
  return db.transaction(async (tx) => {
    const [current] = await tx.select(jobColumns).from(jobs).where(eq(jobs.id, jobId)).for('no key update');
    if (!current) throw notFound('Job', jobId);
    if (isTerminal(current.status) || current.status === status) return current;
    const now = new Date();
    const [job] = await tx
      .update(jobs)
      .set({
        status,
        updatedAt: now,
        lastEventAt: now,
        ...(status === 'running' ? { startedAt: now } : {}),
        ...(isTerminal(status) ? { finishedAt: now } : {}),
        ...(status === 'cancelled' ? { cancelRequestedAt: now } : {}),
        ...(error !== undefined ? { error: error === null ? null : storableText(error) } : {}),
      })
      .where(eq(jobs.id, jobId))
      .returning(jobColumns);
    await appendJobState(tx, job!, 'status');
    return job!;
  });
}

/** Adds a human-readable line to a job's event stream (failures, skipped files, warnings). */
export async function appendJobLog(db: Database, jobId: string, level: 'info' | 'warn' | 'error', message: string) {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ n: count() })
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.kind, 'log')));
    if ((row?.n ?? 0) >= MAX_LOGS_PER_JOB) return;
    await appendJobEvent(tx, jobId, 'log', { level, message: message.slice(0, 4000) });
  });
}
