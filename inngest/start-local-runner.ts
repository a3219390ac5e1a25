import { serve } from 'inngest/edge';
import { CHANNELS, notify } from '../server/realtime/channels';
import { setLocalRunner } from '../server/runner/global';
import { createLocalRunner, type LocalRunner } from '../server/runner/local-runner';
import { expireLeases } from '../server/runner/store';
import type { Runtime } from '../server/runtime/runtime';
import { inngest } from './client';
import { functions } from './functions';

/** Starts the in-process runner over Archon's real functions and makes it the SDK's destination. */
export async function startLocalRunner(
  runtime: Runtime,
  opts: { retryBaseMs?: number; now?: () => number; cronTickMs?: number; slots?: number } = {},
): Promise<LocalRunner> {
  const { db } = runtime.database;
  const handler = serve({ client: inngest, functions });
  const runner = createLocalRunner({
    db,
    handler: (req) => handler(req),
    logger: runtime.logger,
    // 0: takes the events this process sends (its jobs stay queued for a process that runs them) and runs nothing.
    slots: opts.slots ?? runtime.config.RUNNER_SLOTS,
    leaseMs: runtime.config.RUNNER_LEASE_MS,
    retryBaseMs: opts.retryBaseMs,
    now: opts.now,
    cronTickMs: opts.cronTickMs,
    subscribeWakeups: (wake) => runtime.pubsub.subscribe(CHANNELS.runner, wake),
    announce: () => notify(db, CHANNELS.runner),
  });
  // The embedded database belongs to this process alone, so any run marked
  // running was interrupted by a crash and can resume at once (as an interrupted attempt).
  if (runtime.database.mode === 'embedded') await expireLeases(db);
  setLocalRunner(runner);
  await runner.start();
  runtime.runner = runner;
  return runner;
}
