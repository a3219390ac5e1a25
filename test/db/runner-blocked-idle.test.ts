import { eventType } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Database, DatabaseHandle } from '../../db/types';
import type { LocalRunner } from '../../server/runner/local-runner';
import { createTestDatabase } from '../helpers/db';
import { createTestInngest, startTestRunner, waitForRuns } from '../helpers/test-runner';

/**
 * Runs waiting for a concurrency slot are due but cannot be claimed. The free
 * slots must then wait (for a wake-up or the idle poll), not re-claim in a
 * tight loop: on PGlite every claim occupies the only connection, which starves
 * the run that holds the slot (a 200-page crawl took minutes instead of seconds).
 */
const { client, bind } = createTestInngest('blocked-idle');
const work = eventType('test/blocked', { schema: z.object({ key: z.string(), i: z.number() }) });
const held = client.createFunction({ id: 'held', triggers: [work], concurrency: { limit: 1, key: 'event.data.key' } }, async ({ step }) =>
  step.run('hold', () => new Promise((r) => setTimeout(() => r(Date.now()), 1_000))),
);

let handle: DatabaseHandle;
let runner: LocalRunner | undefined;
let transactions = 0;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await runner?.stop(5_000);
  await handle?.close();
});

/** The runner's database, counting transactions (every claim is one). */
function counting(db: Database): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'transaction' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        transactions++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('local runner with runs blocked by a concurrency limit', () => {
  it('does not busy-loop claiming while the slot is held', async () => {
    runner = startTestRunner(counting(handle.db), client, [held], { slots: 4, idlePollMs: 200 });
    bind(runner);
    await runner.start();
    await runner.send([0, 1, 2].map((i) => ({ name: 'test/blocked', data: { key: 'k', i } })));
    await waitForRuns(handle.db, 'blocked-idle-held', (runs) => runs.some((r) => r.status === 'running'), 5_000);
    const before = transactions;
    await new Promise((r) => setTimeout(r, 800));
    const claims = transactions - before;
    // Three idle slots polling every 200 ms make about a dozen claims in 800 ms; a tight loop makes hundreds.
    expect(claims).toBeLessThan(60);
    await waitForRuns(handle.db, 'blocked-idle-held', (runs) => runs.every((r) => r.status === 'completed'), 15_000);
  });
});
