import { and, count, eq } from 'drizzle-orm';
import { jobEvents } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { insertJobEvent } from './jobs';

// Archon v1 kept at most 200 log lines per operation; so does this.
const MAX_LOGS_PER_JOB = 200;

/** Adds a human-readable line to a job's event stream (failures, skipped files, warnings). */
export async function appendJobLog(db: Database, jobId: string, level: 'info' | 'warn' | 'error', message: string) {
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ n: count() }).from(jobEvents).where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.kind, 'log')));
    if ((row?.n ?? 0) >= MAX_LOGS_PER_JOB) return;
    await insertJobEvent(tx, jobId, 'log', { level, message: message.slice(0, 4000) });
  });
}
