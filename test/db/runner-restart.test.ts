import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { runnerRuns } from '../../db/schema';
import { startLocalRunner } from '../../inngest/start-local-runner';
import { insertEvents } from '../../server/runner/store';
import { setRuntime } from '../../server/runtime/global';
import { createJob } from '../../server/services/jobs/jobs';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

// What the local runner does at start with the runs a process that died left marked running.

let rt: TestRuntime | undefined;
afterAll(async () => {
  await rt?.close();
});

describe('the local runner starting after a crash', () => {
  it('counts the run the crash interrupted as an attempt: one that took the process down on every try fails its job, saying why', async () => {
    rt = await createTestRuntime();
    const db = rt.database.db;
    const job = await createJob(db, { kind: 'crawl', sourceId: null, input: {} });
    const [event] = await insertEvents(db, [{ name: 'archon/crawl.finalize', data: { jobId: job.id } }]);
    // crawl-finalize has retries: 3, so four attempts; the process died during each of the first three, then during this one.
    // On the embedded database the dead process's lease is ended at start; on a server it lapses (RUNNER_LEASE_MS).
    const leaseUntil = new Date(Date.now() + (testDbKind() === 'pglite' ? 60_000 : -1_000));
    const [run] = await db
      .insert(runnerRuns)
      .values({ functionId: 'archon-crawl-finalize', event: event!, status: 'running', attempt: 3, leaseOwner: 'dead-process', leaseUntil })
      .returning({ id: runnerRuns.id });

    setRuntime(rt);
    await startLocalRunner(rt, { retryBaseMs: 100, cronTickMs: 24 * 3_600_000 });
    const failed = await waitFor(
      async () => (await db.select().from(runnerRuns).where(eq(runnerRuns.id, run!.id)))[0]?.status === 'failed',
      15_000,
      'the interrupted run to be given up',
    );
    expect(failed).toBe(true);
    const settled = await jobSettled(rt, job.id, 15_000);
    expect(settled.status).toBe('failed');
    expect(settled.error).toMatch(/after 4 attempts: .*process running it stopped/);
  });
});
