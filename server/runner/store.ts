import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import { runnerEvents, runnerRuns } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { Database } from '../../db/types';
import type { MemoEntry } from './protocol';

export type IncomingEvent = { id?: string; name: string; data?: Record<string, unknown>; ts?: number };
export type StoredEvent = { id: string; name: string; data: Record<string, unknown>; ts: number };
export type NewRun = { functionId: string; event: StoredEvent; concurrencyKey: string | null; concurrencyLimit: number | null };
export type ClaimedRun = {
  id: string;
  functionId: string;
  event: StoredEvent;
  steps: Record<string, MemoEntry>;
  stack: string[];
  attempt: number;
  /** Taken over from a runner whose lease lapsed (its process died or hung): that attempt counts, as an Inngest server's timeout would. */
  interrupted: boolean;
};

const CLAIM_LOCK = 0x52554e; // "RUN"

/** Stores events; returns only those not seen before (an event id is delivered once). */
export async function insertEvents(db: Database, events: IncomingEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({
    eventId: e.id ?? randomUUID(),
    name: e.name,
    data: e.data ?? {},
    ts: e.ts ?? Date.now(),
  }));
  const inserted = await db
    .insert(runnerEvents)
    .values(rows)
    .onConflictDoNothing({ target: runnerEvents.eventId })
    .returning({ id: runnerEvents.eventId, name: runnerEvents.name, data: runnerEvents.data, ts: runnerEvents.ts });
  return inserted;
}

export async function insertRuns(db: Database, runs: NewRun[]): Promise<void> {
  if (runs.length === 0) return;
  await db.insert(runnerRuns).values(runs);
}

export async function activeRuns(db: Database, functionIds: string[]) {
  if (functionIds.length === 0) return [];
  return db
    .select({ id: runnerRuns.id, functionId: runnerRuns.functionId, event: runnerRuns.event })
    .from(runnerRuns)
    .where(and(inArray(runnerRuns.functionId, functionIds), inArray(runnerRuns.status, ['queued', 'running'])));
}

export async function cancelRuns(db: Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(runnerRuns)
    .set({ status: 'cancelled', finishedAt: new Date(), leaseOwner: null, leaseUntil: null })
    .where(and(inArray(runnerRuns.id, ids), inArray(runnerRuns.status, ['queued', 'running'])));
}

/**
 * Leases one due run whose concurrency key has a free slot. A cluster-wide
 * lock serialises claims (they are short), which keeps concurrency limits
 * exact across processes; SKIP LOCKED keeps claimers from waiting on rows.
 */
export async function claimRun(db: Database, owner: string, leaseMs: number, driving: string[] = []): Promise<ClaimedRun | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
    const due = and(
      or(
        and(eq(runnerRuns.status, 'queued'), lte(runnerRuns.nextAt, sql`now()`)),
        and(eq(runnerRuns.status, 'running'), lte(runnerRuns.leaseUntil, sql`now()`)),
      ),
      // A run this runner still drives, whose lease lapsed in a pause longer than the lease:
      // its saves would pass the owner check from both slots, so it must not be claimed twice.
      driving.length ? notInArray(runnerRuns.id, driving) : undefined,
    );
    // Keys at their limit are left out in the query, not after a LIMIT: otherwise one job's backlog (a crawl's sixty
    // batches behind its limit of two) fills every candidate and a run of another key with a free slot waits for it.
    // They are few (keys with runs in flight), and found on the index of running runs.
    const full = await queryRows<{ key: string }>(
      tx,
      sql`select concurrency_key as key from runner_runs
          where status = 'running' and lease_until > now() and concurrency_key is not null
          group by concurrency_key having count(*) >= min(concurrency_limit)`,
    );
    const hasSlot = full.length
      ? or(
          isNull(runnerRuns.concurrencyKey),
          isNull(runnerRuns.concurrencyLimit),
          notInArray(
            runnerRuns.concurrencyKey,
            full.map((r) => r.key),
          ),
        )
      : undefined;
    const [pick] = await tx
      .select({ id: runnerRuns.id, status: runnerRuns.status })
      .from(runnerRuns)
      .where(and(due, hasSlot))
      .orderBy(asc(runnerRuns.nextAt), asc(runnerRuns.createdAt))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!pick) return null;
    const interrupted = pick.status === 'running';
    const [row] = await tx
      .update(runnerRuns)
      .set({
        status: 'running',
        leaseOwner: owner,
        leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
        // Otherwise a step that takes its process down each time is run again on every restart, for good.
        ...(interrupted ? { attempt: sql`${runnerRuns.attempt} + 1` } : {}),
      })
      .where(eq(runnerRuns.id, pick.id))
      .returning({
        id: runnerRuns.id,
        functionId: runnerRuns.functionId,
        event: runnerRuns.event,
        steps: runnerRuns.steps,
        stack: runnerRuns.stack,
        attempt: runnerRuns.attempt,
      });
    return row ? ({ ...row, event: row.event as StoredEvent, steps: row.steps as Record<string, MemoEntry>, interrupted } as ClaimedRun) : null;
  });
}

export async function countRunning(db: Database): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(db, sql`select count(*) as n from runner_runs where status = 'running'`);
  return Number(row?.n ?? 0);
}

/** Milliseconds until the next queued run is due, or null when nothing is queued. */
export async function nextDueInMs(db: Database): Promise<number | null> {
  const [row] = await queryRows<{ ms: string | number | null }>(
    db,
    sql`select extract(epoch from (min(next_at) - now())) * 1000 as ms from runner_runs where status = 'queued'`,
  );
  return row?.ms == null ? null : Math.max(0, Number(row.ms));
}

type Progress = { steps: Record<string, MemoEntry>; stack: string[]; attempt: number };
const mine = (id: string, owner: string) => and(eq(runnerRuns.id, id), eq(runnerRuns.leaseOwner, owner), eq(runnerRuns.status, 'running'));

/** Saves the memo. False means the run is no longer ours (cancelled, or the lease was lost). */
export async function saveProgress(db: Database, id: string, owner: string, p: Progress): Promise<boolean> {
  const rows = await db.update(runnerRuns).set(p).where(mine(id, owner)).returning({ id: runnerRuns.id });
  return rows.length > 0;
}

export async function reschedule(db: Database, id: string, owner: string, p: Progress, at: Date): Promise<boolean> {
  const rows = await db
    .update(runnerRuns)
    .set({ ...p, status: 'queued', nextAt: at, leaseOwner: null, leaseUntil: null })
    .where(mine(id, owner))
    .returning({ id: runnerRuns.id });
  return rows.length > 0;
}

/** Hands one run back to the queue, due again at `at`, keeping its progress. */
export async function releaseRun(db: Database, id: string, owner: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(runnerRuns)
    .set({ status: 'queued', nextAt: at, leaseOwner: null, leaseUntil: null })
    .where(mine(id, owner))
    .returning({ id: runnerRuns.id });
  return rows.length > 0;
}

export async function finishRun(
  db: Database,
  id: string,
  owner: string,
  result: { status: 'completed'; output: unknown } | { status: 'failed'; error: unknown },
): Promise<boolean> {
  const rows = await db
    .update(runnerRuns)
    .set({
      status: result.status,
      output: result.status === 'completed' ? (result.output ?? null) : null,
      error: result.status === 'failed' ? (result.error ?? null) : null,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(mine(id, owner))
    .returning({ id: runnerRuns.id });
  return rows.length > 0;
}

export async function renewLeases(db: Database, ids: string[], owner: string, leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(runnerRuns)
    .set({ leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(inArray(runnerRuns.id, ids), eq(runnerRuns.leaseOwner, owner), eq(runnerRuns.status, 'running')));
}

/**
 * Ends the leases of every running run at once, when no other process can hold them (the embedded database after
 * a crash): they are taken over as interrupted, which counts as an attempt (see claimRun).
 */
export async function expireLeases(db: Database): Promise<void> {
  await db.update(runnerRuns).set({ leaseUntil: sql`now()` }).where(eq(runnerRuns.status, 'running'));
}

/** Hands runs back to the queue at once, for a clean stop: not counted as an attempt. */
export async function releaseLeases(db: Database, owner?: string): Promise<void> {
  await db
    .update(runnerRuns)
    .set({ status: 'queued', leaseOwner: null, leaseUntil: null, nextAt: sql`now()` })
    .where(and(eq(runnerRuns.status, 'running'), owner ? eq(runnerRuns.leaseOwner, owner) : undefined));
}
