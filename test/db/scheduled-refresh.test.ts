import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, jobs, runnerRuns, sessions, sources, users } from '../../db/schema';
import { createSession } from '../../server/services/auth/sessions';
import { setJobStatus } from '../../server/services/jobs/job-progress';
import { createJob } from '../../server/services/jobs/jobs';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * Scheduled refresh through the local runner's cron trigger, with the runner's
 * clock in the test's hands: nothing happens before a source is due, a due
 * source gets one refresh job, and a source whose schedule is off never does.
 */
const HOUR = 3_600_000;
let clock = Date.now();
let rt: TestRuntime;
let site: DocsSite;

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({
    runner: true,
    poolMax: 8,
    env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' },
    // The timer never fires during the test; ticks are explicit.
    clock: { now: () => clock, cronTickMs: 24 * HOUR },
  });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

async function finished(jobId: string) {
  return waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: jobId });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${jobId}`,
  );
}
const refreshJobs = (sourceId: string) =>
  rt.database.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.sourceId, sourceId), eq(jobs.kind, 'refresh')));
const schedulerRuns = () => rt.database.db.select().from(runnerRuns).where(eq(runnerRuns.functionId, 'archon-refresh-scheduler'));

/** Moves the clock, lets the runner look at it, and waits for the scheduler run it starts. */
async function tickAt(time: number) {
  clock = time;
  const before = (await schedulerRuns()).length;
  await rt.runner!.tickCron();
  await rt.runner!.idle(30_000);
  return (await schedulerRuns()).length - before;
}

describe('scheduled refresh', () => {
  it('refreshes a daily source once it is due, once per cron slot, and leaves unscheduled sources alone', async () => {
    const daily = await finished((await rt.caller.knowledge.crawl({ url: `${site.url}/docs/a`, mode: 'single', refreshInterval: 'daily' })).id);
    const manual = await finished((await rt.caller.knowledge.crawl({ url: `${site.url}/docs/b`, mode: 'single' })).id);
    expect([daily.status, manual.status]).toEqual(['completed', 'completed']);
    const dailySource = await rt.caller.knowledge.source({ id: daily.sourceId! });
    expect(dailySource.refreshInterval).toBe('daily');
    const due = dailySource.nextRefreshAt!.getTime();
    expect(due - Date.now()).toBeGreaterThan(23 * HOUR);
    expect((await rt.caller.knowledge.source({ id: manual.sourceId! })).nextRefreshAt).toBeNull();

    // An hour on: the scheduler runs, but nothing is due.
    expect(await tickAt(Date.now() + HOUR)).toBe(1);
    expect(await refreshJobs(daily.sourceId!)).toHaveLength(0);

    // A day on: the daily source is refreshed; the manual one is not.
    // One minute into the first quarter-hour slot after the source is due, so the next tick stays in that slot.
    const SLOT = 15 * 60_000;
    const later = Math.ceil(due / SLOT) * SLOT + 60_000;
    expect(await tickAt(later)).toBe(1);
    const [job] = await refreshJobs(daily.sourceId!);
    expect(job).toBeDefined();
    expect(await finished(job!.id)).toMatchObject({ status: 'completed', error: null });
    expect(await refreshJobs(manual.sourceId!)).toHaveLength(0);
    expect((await rt.caller.knowledge.source({ id: daily.sourceId! })).nextRefreshAt!.getTime()).toBeGreaterThan(Date.now() + 23 * HOUR);

    // Ticking again within the same quarter-hour slot starts nothing new.
    expect(await tickAt(later + 60_000)).toBe(0);
    expect(await refreshJobs(daily.sourceId!)).toHaveLength(1);
  });

  it('schedules a source when its interval is set, and unschedules it when set to off', async () => {
    const job = await finished((await rt.caller.knowledge.crawl({ url: `${site.url}/docs/c/`, mode: 'single' })).id);
    const hourly = await rt.caller.knowledge.updateSource({ id: job.sourceId!, refreshInterval: 'hourly' });
    expect(hourly.nextRefreshAt!.getTime() - job.finishedAt!.getTime()).toBeGreaterThan(HOUR - 5_000);
    expect(hourly.nextRefreshAt!.getTime() - job.finishedAt!.getTime()).toBeLessThan(HOUR + 5_000);
    const off = await rt.caller.knowledge.updateSource({ id: job.sourceId!, refreshInterval: 'off' });
    expect(off.nextRefreshAt).toBeNull();
  });

  it('folds in vectors a cancelled or failed job left in the backlog, once no job is running', async () => {
    const job = await finished((await rt.caller.knowledge.crawl({ url: `${site.url}/docs/b`, mode: 'single', title: 'stray' })).id);
    // As a job stopped before its last step leaves them.
    await rt.database.db.update(chunks).set({ indexedDim: null }).where(eq(chunks.sourceId, job.sourceId!));
    const waiting = () =>
      rt.database.db
        .select({ id: chunks.id })
        .from(chunks)
        .where(and(eq(chunks.sourceId, job.sourceId!), isNull(chunks.indexedDim)));
    const stray = (await waiting()).length;
    expect(stray).toBeGreaterThan(0);
    // New quarter-hour slots in which no source is due (a refresh would fold them in itself).
    await rt.database.db.update(sources).set({ refreshInterval: 'off', nextRefreshAt: null });
    // While a job is queued, its own last step will fold the backlog in: the scheduler leaves it.
    const other = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: {} });
    expect(await tickAt(clock + 20 * 60_000)).toBe(1);
    expect(await waiting()).toHaveLength(stray);
    await setJobStatus(rt.database.db, other.id, 'cancelled');
    expect(await tickAt(clock + 15 * 60_000)).toBe(1);
    expect(await refreshJobs(job.sourceId!)).toHaveLength(0);
    expect(await waiting()).toEqual([]);
  });

  it('deletes sessions that expired more than a day ago, and keeps the others', async () => {
    const { db } = rt.database;
    const [user] = await db.insert(users).values({ email: 'pruned@example.com', role: 'member' }).returning({ id: users.id });
    const expiringAt = async (msFromNow: number) => {
      const { sessionId } = await createSession(db, user!.id);
      await db
        .update(sessions)
        .set({ expiresAt: new Date(Date.now() + msFromNow) })
        .where(eq(sessions.id, sessionId));
      return sessionId;
    };
    const old = await expiringAt(-2 * 24 * HOUR);
    const recent = await expiringAt(-HOUR);
    const live = await expiringAt(HOUR);
    expect(await tickAt(clock + 15 * 60_000)).toBe(1);
    const left = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user!.id));
    expect(left.map((r) => r.id).sort()).toEqual([recent, live].sort());
    expect(left.map((r) => r.id)).not.toContain(old);
  });
});
