import { eq, sql } from 'drizzle-orm';
import { eventType } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runnerRuns } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import type { LocalRunner } from '../../server/runner/local-runner';
import { claimRun, insertEvents, insertRuns } from '../../server/runner/store';
import { createTestDatabase } from '../helpers/db';
import { createTestInngest, runsOf, startTestRunner, waitForRuns } from '../helpers/test-runner';

const { client, bind } = createTestInngest('recovery');
const executions = new Map<string, number>();
const bump = (k: string) => executions.set(k, (executions.get(k) ?? 0) + 1);
const seen = (k: string) => executions.get(k) ?? 0;

const resumable = client.createFunction(
  { id: 'resumable', triggers: [eventType('test/resume', { schema: z.object({ key: z.string() }) })] },
  async ({ event, step }) => {
    const k = event.data.key;
    await step.run('one', () => bump(`${k}:one`));
    await step.run('two', async () => {
      bump(`${k}:two`);
      // The first attempt hangs, like a process that dies mid-step.
      if (seen(`${k}:two`) === 1) await new Promise(() => {});
    });
    await step.run('three', () => bump(`${k}:three`));
    return 'done';
  },
);
const job = client.createFunction(
  { id: 'job', triggers: [eventType('test/job', { schema: z.object({ i: z.number() }) })] },
  async ({ event, step }) => {
    await step.run('work', async () => {
      bump(`job:${event.data.i}`);
      await new Promise((r) => setTimeout(r, 20));
    });
  },
);

const crashFailures: string[] = [];
const crashing = client.createFunction(
  {
    id: 'crashing',
    retries: 1,
    triggers: [eventType('test/crash-loop', { schema: z.object({ key: z.string() }) })],
    onFailure: async ({ error }) => {
      crashFailures.push(error.message);
    },
  },
  async ({ event, step }) => {
    await step.run('takes-the-process-down', async () => {
      bump(`${event.data.key}:entered`);
      // Every attempt hangs, like a page that runs the process out of memory each time it is converted.
      await new Promise(() => {});
    });
  },
);

let handle: DatabaseHandle;
const runners: LocalRunner[] = [];
beforeAll(async () => {
  handle = await createTestDatabase({ poolMax: 8 });
});
afterAll(async () => {
  for (const r of runners) await r.stop(200);
  await handle?.close();
});

describe('local runner recovery', () => {
  it('resumes a run abandoned by a crashed runner from its last saved step, on another runner', async () => {
    // Leases far longer than any pause of this process; the crash is made to outlast its lease below.
    const first = startTestRunner(handle.db, client, [resumable, job], { leaseMs: 10_000 });
    bind(first);
    await first.start();
    await client.send({ name: 'test/resume', data: { key: 'crash' } });
    await waitForRuns(handle.db, 'recovery-resumable', () => seen('crash:two') === 1);
    first.abandon();
    await handle.db.update(runnerRuns).set({ leaseUntil: sql`now()` }).where(eq(runnerRuns.leaseOwner, first.owner));

    const second = startTestRunner(handle.db, client, [resumable, job], { leaseMs: 10_000 });
    bind(second);
    await second.start();
    try {
      const [run] = await waitForRuns(handle.db, 'recovery-resumable', (rs) => rs.some((r) => r.status === 'completed'));
      expect(run!.output).toBe('done');
      expect(seen('crash:one')).toBe(1);
      expect(seen('crash:two')).toBe(2);
      expect(seen('crash:three')).toBe(1);
    } finally {
      await second.stop(200);
    }
  });

  it('counts a run interrupted by a dying process as an attempt, and gives up after its retries rather than crash-looping', async () => {
    const crash = async () => {
      const runner = startTestRunner(handle.db, client, [crashing], { leaseMs: 10_000 });
      bind(runner);
      await runner.start();
      return runner;
    };
    let runner = await crash();
    await client.send({ name: 'test/crash-loop', data: { key: 'loop' } });
    // retries: 1 is two attempts, each ended by the process dying (its lease then lapses).
    for (let attempt = 1; attempt <= 2; attempt++) {
      await waitForRuns(handle.db, 'recovery-crashing', () => seen('loop:entered') === attempt);
      runner.abandon();
      await handle.db.update(runnerRuns).set({ leaseUntil: sql`now()` }).where(eq(runnerRuns.leaseOwner, runner.owner));
      runner = await crash();
    }
    try {
      const [run] = await waitForRuns(handle.db, 'recovery-crashing', (rs) => rs.some((r) => r.status === 'failed'), 5_000);
      expect(seen('loop:entered')).toBe(2);
      expect((run!.error as { message: string }).message).toMatch(/after 2 attempts: .*process running it stopped/);
      await waitForRuns(handle.db, 'recovery-crashing', () => crashFailures.length === 1);
      expect(crashFailures[0]).toMatch(/after 2 attempts: .*process running it stopped/);
    } finally {
      await runner.stop(200);
    }
  });

  it('does not claim again a run it still drives, though a pause let its lease lapse', async () => {
    // Claims are made by hand here; no runner is running.
    const [event] = await insertEvents(handle.db, [{ name: 'test/job', data: { i: -1 } }]);
    await insertRuns(handle.db, [{ functionId: 'recovery-job', event: event!, concurrencyKey: null, concurrencyLimit: null }]);
    try {
      const claimed = await claimRun(handle.db, 'paused-runner', 10_000);
      expect(claimed?.event.data).toEqual({ i: -1 });
      // The process stalled past its lease; its other slots look for work.
      await handle.db.update(runnerRuns).set({ leaseUntil: sql`now()` }).where(eq(runnerRuns.id, claimed!.id));
      expect(await claimRun(handle.db, 'paused-runner', 10_000, [claimed!.id])).toBeNull();
      // Another runner may take it over: its saves then fail the stalled one's owner check.
      expect((await claimRun(handle.db, 'other-runner', 10_000))?.id).toBe(claimed!.id);
    } finally {
      await handle.db.delete(runnerRuns).where(eq(runnerRuns.functionId, 'recovery-job'));
    }
  });

  it('shares work between two runners on one database, running each run exactly once', async () => {
    const a = startTestRunner(handle.db, client, [resumable, job], { slots: 3 });
    const b = startTestRunner(handle.db, client, [resumable, job], { slots: 3 });
    runners.push(a, b);
    // The SDK registers its functions with whichever runner the client's fetch reaches.
    bind(b);
    await b.start();
    bind(a);
    await a.start();
    await client.send(Array.from({ length: 30 }, (_, i) => ({ name: 'test/job', data: { i } })));
    await waitForRuns(handle.db, 'recovery-job', (rs) => rs.length === 30 && rs.every((r) => r.status === 'completed'), 20_000);
    expect(Array.from({ length: 30 }, (_, i) => seen(`job:${i}`))).toEqual(Array(30).fill(1));
    expect((await runsOf(handle.db, 'recovery-job')).every((r) => r.leaseOwner === null)).toBe(true);
  });
});
