import { and, asc, count, desc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import { jobEvents, jobs, uploadFiles } from '../../../db/schema';
import type { JobKind, JobStatus } from '../../../db/schema/jobs';
import type { Database } from '../../../db/types';
import { conflict, notFound } from '../../errors';
import { CHANNELS, notify } from '../../realtime/channels';
import type { Page } from '../../schemas/common';
import type { Dispatch } from '../../schemas/job-events';
import type { ListJobsInput } from '../../schemas/jobs';

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
export type Job = Awaited<ReturnType<typeof getJob>>;
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

export async function getJob(db: Database, id: string) {
  const [row] = await db.select(jobColumns).from(jobs).where(eq(jobs.id, id));
  if (!row) throw notFound('Job', id);
  return row;
}

export async function createJob(
  db: Database,
  input: { kind: JobKind; sourceId: string | null; input: Record<string, unknown>; createdBy?: string | null },
) {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .insert(jobs)
      .values({ kind: input.kind, sourceId: input.sourceId, input: input.input, createdBy: input.createdBy ?? null })
      .returning(jobColumns);
    await appendJobEvent(tx, job!, 'status');
    return job!;
  });
}

/** Appends to the job's event log and notifies on commit. Call inside a transaction. */
export async function insertJobEvent(tx: Database, jobId: string, kind: 'status' | 'progress' | 'log', payload: Record<string, unknown>) {
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOCK})`);
  const [row] = await tx.insert(jobEvents).values({ jobId, kind, payload }).returning({ id: jobEvents.id });
  await notify(tx, CHANNELS.jobs, { key: jobId, id: row!.id });
}

async function appendJobEvent(tx: Database, job: Job, kind: 'status' | 'progress', message?: string) {
  const { input: _input, ...snapshot } = job;
  await insertJobEvent(tx, job.id, kind, { ...snapshot, ...(message ? { message } : {}) });
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
    if (emit && !isTerminal(job.status)) await appendJobEvent(tx, job, 'progress', message);
    return job;
  });
}

/**
 * Moves a job to a new status and always emits an event. A finished job stays
 * finished: a late "completed" cannot overwrite "cancelled".
 */
export async function setJobStatus(db: Database, jobId: string, status: JobStatus, error?: string | null) {
  return db.transaction(async (tx) => {
    const [current] = await tx.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)).for('no key update');
    if (!current) throw notFound('Job', jobId);
    if (isTerminal(current.status) || current.status === status) return getJob(tx, jobId);
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
        ...(error !== undefined ? { error } : {}),
      })
      .where(eq(jobs.id, jobId))
      .returning(jobColumns);
    await appendJobEvent(tx, job!, 'status');
    return job!;
  });
}

/**
 * Cancels a job that has not finished: its status changes at once, which
 * running steps check between URLs, and the executor drops its queued runs.
 * What it stored so far stays.
 */
export async function cancelJob(db: Database, dispatch: Dispatch, id: string) {
  const job = await getJob(db, id);
  if (isTerminal(job.status)) throw conflict(`Job '${id}' already ${job.status}`);
  const cancelled = await setJobStatus(db, id, 'cancelled');
  // Uploaded files that will now never be processed need not keep their bytes.
  await db
    .update(uploadFiles)
    .set({ status: 'failed', error: 'cancelled before it was processed', content: null, updatedAt: new Date() })
    .where(and(eq(uploadFiles.jobId, id), eq(uploadFiles.status, 'pending')));
  await dispatch({ name: 'archon/job.cancelled', data: { jobId: id }, id: `job-cancelled-${id}` });
  return cancelled;
}

/**
 * isJobActive for a loop that asks per item: the answer is read again at most
 * every `everyMs`, so a cancel still stops the loop within that without a
 * query per item (a crawl asked 1,169 times for the PostgreSQL manual).
 */
export function jobActivityCheck(db: Database, id: string, everyMs = 250): () => Promise<boolean> {
  let checkedAt = -Infinity;
  let active: Promise<boolean>;
  return () => {
    if (Date.now() - checkedAt >= everyMs) {
      checkedAt = Date.now();
      active = isJobActive(db, id);
    }
    return active;
  };
}

/** Whether any job is queued or running (every kind of job writes vectors). */
export async function anyJobActive(db: Database): Promise<boolean> {
  const [row] = await db.select({ id: jobs.id }).from(jobs).where(inArray(jobs.status, ['queued', 'running'])).limit(1);
  return row !== undefined;
}

export async function isJobActive(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id));
  return row !== undefined && !isTerminal(row.status);
}

export async function listJobs(db: Database, input: ListJobsInput): Promise<Page<Job>> {
  const statuses = input.status === undefined ? undefined : Array.isArray(input.status) ? input.status : [input.status];
  const where = and(
    statuses ? inArray(jobs.status, statuses) : undefined,
    input.kind ? eq(jobs.kind, input.kind) : undefined,
    input.sourceId ? eq(jobs.sourceId, input.sourceId) : undefined,
  );
  const [items, [total]] = await Promise.all([
    db.select(jobColumns).from(jobs).where(where).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(input.limit).offset(input.offset),
    db.select({ n: count() }).from(jobs).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

export type JobEventRow = { id: number; jobId: string; kind: string; payload: Record<string, unknown>; createdAt: Date };

export async function jobEventsAfter(db: Database, jobId: string | undefined, cursor: number, limit: number): Promise<JobEventRow[]> {
  return db
    .select()
    .from(jobEvents)
    .where(and(jobId ? eq(jobEvents.jobId, jobId) : undefined, gt(jobEvents.id, cursor)))
    .orderBy(asc(jobEvents.id))
    .limit(limit);
}

export async function latestJobEventId(db: Database, jobId?: string): Promise<number> {
  const [row] = await db.select({ id: max(jobEvents.id) }).from(jobEvents).where(jobId ? eq(jobEvents.jobId, jobId) : undefined);
  return row?.id ?? 0;
}
