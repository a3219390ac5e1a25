import { and, asc, count, desc, eq, gt, inArray, max } from 'drizzle-orm';
import { jobEvents, jobs, uploadFiles } from '../../../db/schema';
import type { JobKind } from '../../../db/schema/jobs';
import type { Database } from '../../../db/types';
import { conflict, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { Dispatch } from '../../schemas/job-events';
import type { ListJobsInput } from '../../schemas/jobs';
import { appendJobState, isTerminal, jobColumns, setJobStatus } from './job-progress';

export type Job = Awaited<ReturnType<typeof getJob>>;

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
    await appendJobState(tx, job!, 'status');
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
  const [row] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(inArray(jobs.status, ['queued', 'running']))
    .limit(1);
  return row !== undefined;
}

export async function isJobActive(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id));
  return row !== undefined && !isTerminal(row.status);
}

/** The filter of a jobs listing: any of the statuses, the kind, the source. */
export function jobsWhere(input: ListJobsInput) {
  const statuses = input.status === undefined ? undefined : Array.isArray(input.status) ? input.status : [input.status];
  return and(
    statuses ? inArray(jobs.status, statuses) : undefined,
    input.kind ? eq(jobs.kind, input.kind) : undefined,
    input.sourceId ? eq(jobs.sourceId, input.sourceId) : undefined,
  );
}

export async function listJobs(db: Database, input: ListJobsInput): Promise<Page<Job>> {
  const where = jobsWhere(input);
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
  const [row] = await db
    .select({ id: max(jobEvents.id) })
    .from(jobEvents)
    .where(jobId ? eq(jobEvents.jobId, jobId) : undefined);
  return row?.id ?? 0;
}
