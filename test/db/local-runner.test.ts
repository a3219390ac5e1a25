import { and, eq } from 'drizzle-orm';
import { eventType, NonRetriableError, RetryAfterError } from 'inngest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runnerRuns } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import type { LocalRunner } from '../../server/runner/local-runner';
import { insertEvents, insertRuns, releaseRun } from '../../server/runner/store';
import { createTestDatabase } from '../helpers/db';
import { createTestInngest, runsOf, startTestRunner, waitForRuns } from '../helpers/test-runner';
import { waitFor } from '../helpers/wait';

const { client, bind } = createTestInngest();
const calls = new Map<string, number>();
const bump = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);
const count = (key: string) => calls.get(key) ?? 0;

const started = eventType('test/started', { schema: z.object({ key: z.string(), n: z.number().optional() }) });
const child = eventType('test/child', { schema: z.object({ key: z.string(), i: z.number() }) });
const cancelled = eventType('test/cancelled', { schema: z.object({ key: z.string() }) });

const parent = client.createFunction({ id: 'parent', triggers: [started] }, async ({ event, step }) => {
  const doubled = await step.run('double', () => {
    bump(`${event.data.key}:double`);
    return (event.data.n ?? 1) * 2;
  });
  await step.sendEvent(
    'fan-out',
    [0, 1, 2].map((i) => child.create({ key: event.data.key, i })),
  );
  const [a, b] = await Promise.all([step.run('left', () => 'L'), step.run('right', () => 'R')]);
  return { doubled, a, b };
});
const childFn = client.createFunction({ id: 'child', triggers: [child] }, async ({ event, step }) => {
  await step.run('work', () => bump(`${event.data.key}:child:${event.data.i}`));
});
const sleeper = client.createFunction({ id: 'sleeper', triggers: [eventType('test/sleep')] }, async ({ step }) => {
  const before = await step.run('before', () => Date.now());
  await step.sleep('nap', '1s');
  const after = await step.run('after', () => Date.now());
  return { waited: after - before };
});
const flaky = client.createFunction(
  { id: 'flaky', retries: 3, triggers: [eventType('test/flaky', { schema: z.object({ key: z.string(), failures: z.number() }) })] },
  async ({ event, step }) =>
    step.run('sometimes', () => {
      bump(`${event.data.key}:flaky`);
      if (count(`${event.data.key}:flaky`) <= event.data.failures) throw new Error(`failure ${count(`${event.data.key}:flaky`)}`);
      return 'finally';
    }),
);
const politely = client.createFunction(
  { id: 'politely', triggers: [eventType('test/polite', { schema: z.object({ key: z.string() }) })] },
  async ({ event, step }) =>
    step.run('rate-limited', () => {
      bump(`${event.data.key}:polite`);
      if (count(`${event.data.key}:polite`) === 1) throw new RetryAfterError('slow down', '1s');
      return Date.now();
    }),
);
const failures: { error: string; original: unknown }[] = [];
const doomed = client.createFunction(
  {
    id: 'doomed',
    retries: 1,
    triggers: [eventType('test/doomed', { schema: z.object({ key: z.string(), fatal: z.boolean() }) })],
    onFailure: async ({ event, error }) => {
      failures.push({ error: error.message, original: (event.data as { event: { data: unknown } }).event.data });
    },
  },
  async ({ event, step }) =>
    step.run('explode', () => {
      bump(`${event.data.key}:doomed`);
      if (event.data.fatal) throw new NonRetriableError('cannot ever work');
      throw new Error('keeps failing');
    }),
);
const cancellable = client.createFunction(
  { id: 'cancellable', triggers: [started], cancelOn: [{ event: cancelled, if: 'async.data.key == event.data.key' }] },
  async ({ event, step }) => {
    await step.run('first', () => bump(`${event.data.key}:first`));
    await step.sleep('pause', '2s');
    await step.run('second', () => bump(`${event.data.key}:second`));
  },
);
let active = 0;
let peak = 0;
// Runs of `limited` hold until the test opens the gate, so overlap does not depend on timing.
let openGate = () => {};
let gate = Promise.resolve();
const closeGate = () => {
  gate = new Promise<void>((r) => (openGate = r));
};
const limited = client.createFunction(
  {
    id: 'limited',
    concurrency: { limit: 2, key: 'event.data.group' },
    triggers: [eventType('test/limited', { schema: z.object({ group: z.string() }) })],
  },
  async ({ step }) =>
    step.run('hold', async () => {
      active += 1;
      peak = Math.max(peak, active);
      await gate;
      active -= 1;
    }),
);
// Its own gate, so that a key's backlog is held while another key's run goes through.
const backlogHeld = new Set<string>();
let openBacklog = () => {};
const backlogGate = new Promise<void>((r) => (openBacklog = r));
const backlogged = client.createFunction(
  {
    id: 'backlogged',
    concurrency: { limit: 1, key: 'event.data.group' },
    triggers: [eventType('test/backlogged', { schema: z.object({ group: z.string() }) })],
  },
  async ({ event, step }) =>
    step.run('hold', async () => {
      backlogHeld.add(event.data.group);
      if (event.data.group === 'busy') await backlogGate;
    }),
);
const waiting = client.createFunction({ id: 'waiting', triggers: [eventType('test/wait')] }, async ({ step }) => {
  await step.waitForEvent('reply', { event: 'test/reply', timeout: '1m' });
});

const functions = [parent, childFn, sleeper, flaky, politely, doomed, cancellable, limited, backlogged, waiting];
let handle: DatabaseHandle;
let runner: LocalRunner;
beforeAll(async () => {
  handle = await createTestDatabase({ poolMax: 8 });
  runner = startTestRunner(handle.db, client, functions, { slots: 6 });
  bind(runner);
  await runner.start();
});
afterAll(async () => {
  await runner?.stop(1000);
  await handle?.close();
});
afterEach(() => {
  openGate();
  peak = 0;
});

const key = () => Math.random().toString(36).slice(2);

describe('local runner', () => {
  it('registers the functions through the SDK sync, including onFailure handlers', () => {
    const ids = runner.registry
      .all()
      .map((f) => f.id)
      .sort();
    expect(ids).toContain('test-app-parent');
    expect(ids).toContain('test-app-doomed-failure');
  });

  it('memoises steps, fans out with sendEvent and runs parallel steps', async () => {
    const k = key();
    await client.send(started.create({ key: k, n: 21 }));
    const [run] = await waitForRuns(handle.db, 'test-app-parent', (runs) =>
      runs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'completed'),
    );
    const mine = (await runsOf(handle.db, 'test-app-parent')).find((r) => (r.event as { data: { key: string } }).data.key === k)!;
    expect(run).toBeDefined();
    expect(mine.output).toEqual({ doubled: 42, a: 'L', b: 'R' });
    expect(count(`${k}:double`)).toBe(1);
    await waitForRuns(
      handle.db,
      'test-app-child',
      (runs) => runs.filter((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'completed').length === 3,
    );
    expect([0, 1, 2].map((i) => count(`${k}:child:${i}`))).toEqual([1, 1, 1]);
  });

  it('sleeps without holding a slot and resumes', async () => {
    await client.send({ name: 'test/sleep', data: {} });
    const [run] = await waitForRuns(handle.db, 'test-app-sleeper', (runs) => runs.some((r) => r.status === 'completed'));
    expect((run!.output as { waited: number }).waited).toBeGreaterThanOrEqual(950);
  });

  it('retries a failing step with backoff until it succeeds', async () => {
    const k = key();
    await client.send({ name: 'test/flaky', data: { key: k, failures: 2 } });
    const runs = await waitForRuns(handle.db, 'test-app-flaky', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status !== 'queued' && r.status !== 'running'),
    );
    const run = runs.find((r) => (r.event as { data: { key: string } }).data.key === k)!;
    expect(run.status).toBe('completed');
    expect(run.output).toBe('finally');
    expect(count(`${k}:flaky`)).toBe(3);
  });

  it('honours RetryAfterError', async () => {
    const k = key();
    const t0 = Date.now();
    await client.send({ name: 'test/polite', data: { key: k } });
    const runs = await waitForRuns(handle.db, 'test-app-politely', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'completed'),
    );
    const finishedAt = runs.find((r) => (r.event as { data: { key: string } }).data.key === k)!.output as number;
    expect(finishedAt - t0).toBeGreaterThanOrEqual(950);
    expect(count(`${k}:polite`)).toBe(2);
  });

  it('fails at once on NonRetriableError and runs onFailure with the error', async () => {
    const k = key();
    await client.send({ name: 'test/doomed', data: { key: k, fatal: true } });
    await waitForRuns(handle.db, 'test-app-doomed', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'failed'),
    );
    expect(count(`${k}:doomed`)).toBe(1);
    await waitForRuns(handle.db, 'test-app-doomed-failure', () => failures.some((f) => (f.original as { key: string }).key === k));
    expect(failures.find((f) => (f.original as { key: string }).key === k)!.error).toBe('cannot ever work');
  });

  it('gives up after the configured retries and runs onFailure', async () => {
    const k = key();
    await client.send({ name: 'test/doomed', data: { key: k, fatal: false } });
    await waitForRuns(handle.db, 'test-app-doomed', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'failed'),
    );
    expect(count(`${k}:doomed`)).toBe(2);
    await waitForRuns(handle.db, 'test-app-doomed-failure', () => failures.some((f) => (f.original as { key: string }).key === k));
    expect(failures.find((f) => (f.original as { key: string }).key === k)!.error).toBe('keeps failing');
  });

  it('cancels matching runs on a cancelOn event, and only those', async () => {
    const [k1, k2] = [key(), key()];
    await client.send([started.create({ key: k1 }), started.create({ key: k2 })]);
    await waitForRuns(handle.db, 'test-app-cancellable', () => count(`${k1}:first`) === 1 && count(`${k2}:first`) === 1);
    await client.send(cancelled.create({ key: k1 }));
    const runs = await waitForRuns(handle.db, 'test-app-cancellable', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k2 && r.status === 'completed'),
    );
    expect(runs.find((r) => (r.event as { data: { key: string } }).data.key === k1)!.status).toBe('cancelled');
    expect(count(`${k1}:second`)).toBe(0);
    expect(count(`${k2}:second`)).toBe(1);
  });

  it('keeps at most the configured number of runs per concurrency key', async () => {
    closeGate();
    await client.send(Array.from({ length: 6 }, () => ({ name: 'test/limited', data: { group: 'g1' } })));
    await waitFor(() => active >= 2, 15_000, 'two limited runs to hold');
    // With six free slots, a runner ignoring the limit would start more of the held group meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    openGate();
    await waitForRuns(handle.db, 'test-app-limited', (rs) => rs.length === 6 && rs.every((r) => r.status === 'completed'));
    expect(peak).toBe(2);
  });

  it('runs different concurrency keys side by side', async () => {
    closeGate();
    await client.send(['a', 'b', 'c'].map((group) => ({ name: 'test/limited', data: { group } })));
    await waitFor(() => active >= 3, 15_000, 'three limited runs to hold');
    openGate();
    await waitForRuns(handle.db, 'test-app-limited', (rs) => rs.length === 9 && rs.every((r) => r.status === 'completed'));
    expect(peak).toBe(3);
  });

  it('runs a key with a free slot while another key has more runs waiting than one claim looks at', async () => {
    // A crawl of 1,200 pages queues 60 batches behind its limit of two; another crawl started meanwhile must not wait for them.
    await client.send(Array.from({ length: 60 }, () => ({ name: 'test/backlogged', data: { group: 'busy' } })));
    await waitFor(() => backlogHeld.has('busy'), 15_000, "the busy key's first run");
    await client.send({ name: 'test/backlogged', data: { group: 'idle' } });
    try {
      await waitFor(() => backlogHeld.has('idle'), 5_000, "the idle key's run, with 59 of the busy key's waiting");
    } finally {
      // The backlog has made its point: dropped rather than run one by one.
      await handle.db
        .update(runnerRuns)
        .set({ status: 'cancelled' })
        .where(and(eq(runnerRuns.functionId, 'test-app-backlogged'), eq(runnerRuns.status, 'queued')));
      openBacklog();
    }
    await waitForRuns(handle.db, 'test-app-backlogged', (rs) => rs.filter((r) => r.status === 'completed').length === 2);
  });

  it('delivers an event id once', async () => {
    const k = key();
    const evt = { id: `dedupe-${k}`, name: 'test/child', data: { key: k, i: 9 } };
    await client.send(evt);
    await client.send(evt);
    await waitForRuns(handle.db, 'test-app-child', (rs) =>
      rs.some((r) => (r.event as { data: { key: string } }).data.key === k && r.status === 'completed'),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await runsOf(handle.db, 'test-app-child')).filter((r) => (r.event as { data: { key: string } }).data.key === k)).toHaveLength(1);
  });

  it('fails runs that need an Inngest server with a message that says so', async () => {
    await client.send({ name: 'test/wait', data: {} });
    const [run] = await waitForRuns(handle.db, 'test-app-waiting', (rs) => rs.some((r) => r.status === 'failed'));
    expect((run!.error as { message: string }).message).toMatch(/WaitForEvent .*not supported by the local runner/);
  });

  it('offers a run of a function it does not know again only after a minute, without handing back its other runs', async () => {
    const [event] = await insertEvents(handle.db, [{ name: 'test/from-a-newer-version', data: {} }]);
    await insertRuns(handle.db, [{ functionId: 'archon-test-not-registered', event: event!, concurrencyKey: null, concurrencyLimit: null }]);
    const unknown = async () => (await handle.db.select().from(runnerRuns).where(eq(runnerRuns.functionId, 'archon-test-not-registered')))[0]!;
    // Claimed once, then put back for later; not reclaimed in a loop.
    for (let i = 0; i < 50 && (await unknown()).nextAt.getTime() < Date.now() + 30_000; i++) await new Promise((r) => setTimeout(r, 100));
    const row = await unknown();
    expect(row.status).toBe('queued');
    expect(row.nextAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await handle.db.delete(runnerRuns).where(eq(runnerRuns.id, row.id));
  });

  it('releases only the run it names, not the others its owner holds', async () => {
    const events = await insertEvents(handle.db, [{ name: 'test/held-a' }, { name: 'test/held-b' }]);
    await insertRuns(
      handle.db,
      events.map((event) => ({ functionId: 'archon-test-held', event, concurrencyKey: null, concurrencyLimit: null })),
    );
    // Held as a claim leaves them, set directly so the running runner cannot take them first.
    const [a, b] = await handle.db
      .update(runnerRuns)
      .set({ status: 'running', leaseOwner: 'test-owner', leaseUntil: new Date(Date.now() + 60_000) })
      .where(eq(runnerRuns.functionId, 'archon-test-held'))
      .returning({ id: runnerRuns.id });
    expect(await releaseRun(handle.db, a!.id, 'test-owner', new Date(Date.now() + 60_000))).toBe(true);
    const rows = await handle.db.select().from(runnerRuns).where(eq(runnerRuns.functionId, 'archon-test-held'));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [a!.id]: 'queued', [b!.id]: 'running' });
    await handle.db.delete(runnerRuns).where(eq(runnerRuns.functionId, 'archon-test-held'));
  });
});
