import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../../db/types';
import { startLocalRunner } from '../../inngest/start-local-runner';
import { type Config, loadConfig } from '../../server/config';
import { createCaller } from '../../server/routers/_app';
import { setRuntime } from '../../server/runtime/global';
import { type Runtime, startRuntime } from '../../server/runtime/runtime';
import { createSecretBox } from '../../server/services/security/secret-box';
import { createContextInner } from '../../server/trpc/context';
import { createTestDatabase } from './db';
import { waitFor } from './wait';

export type TestRuntime = Runtime & { caller: ReturnType<typeof createCaller> };

/**
 * A runtime over a fresh test database, and a tRPC caller bound to it. With
 * `runner`, it becomes the process's runtime and runs Archon's real Inngest
 * functions through the local runner, as the server does.
 */
export async function createTestRuntime(
  opts: {
    env?: Record<string, string>;
    database?: DatabaseHandle;
    poolMax?: number;
    runner?: boolean;
    /** The runner's clock for cron triggers, and how often it looks at it (by default never: tests call tickCron). */
    clock?: { now: () => number; cronTickMs?: number };
  } = {},
): Promise<TestRuntime> {
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ARCHON_DATA_DIR: 'memory', SHUTDOWN_TIMEOUT_MS: '2000', ...opts.env });
  const database = opts.database ?? (await createTestDatabase({ poolMax: opts.poolMax }));
  const runtime = await startRuntime(config, {
    database,
    secretBox: createSecretBox({ current: randomBytes(36).toString('base64url') }),
    version: 'test',
  });
  if (opts.runner) {
    setRuntime(runtime);
    // A real 15 s tick would start the refresh scheduler at each quarter hour, in the middle of some test.
    await startLocalRunner(runtime, { retryBaseMs: 100, cronTickMs: 24 * 3_600_000, ...opts.clock });
  }
  return Object.assign(runtime, { caller: createCaller(createContextInner({ runtime })) });
}

/** The job once it has ended (completed, failed or cancelled); bounded, so a job that never ends fails the test. */
export const jobSettled = (rt: TestRuntime, jobId: string, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const job = await rt.caller.jobs.get({ id: jobId });
      return ['completed', 'failed', 'cancelled'].includes(job.status) ? job : null;
    },
    timeoutMs,
    `job ${jobId}`,
  );
