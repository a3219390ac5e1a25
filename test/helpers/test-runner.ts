import { eq } from 'drizzle-orm';
import { Inngest, type InngestFunction } from 'inngest';
import { serve } from 'inngest/edge';
import { runnerRuns } from '../../db/schema';
import type { Database } from '../../db/types';
import { createLogger } from '../../server/logger';
import { createLocalFetch } from '../../server/runner/local-fetch';
import { createLocalRunner, type LocalRunner, type LocalRunnerOptions } from '../../server/runner/local-runner';
import { waitFor } from './wait';

/** An Inngest client whose sends reach whichever local runner `bind` set. */
export function createTestInngest(id = 'test-app') {
  let target: LocalRunner | undefined;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const client = new Inngest({ id, isDev: true, checkpointing: false, fetch: createLocalFetch(() => target), logger: quiet });
  return { client, bind: (runner: LocalRunner) => (target = runner) };
}

export function startTestRunner(db: Database, client: Inngest, functions: InngestFunction.Any[], opts: Partial<LocalRunnerOptions> = {}) {
  const handler = serve({ client, functions });
  return createLocalRunner({
    db,
    handler: (req) => handler(req),
    logger: createLogger('silent'),
    idlePollMs: 50,
    retryBaseMs: 50,
    retryMaxMs: 500,
    ...opts,
  });
}

export async function runsOf(db: Database, functionId: string) {
  return db.select().from(runnerRuns).where(eq(runnerRuns.functionId, functionId));
}

export async function waitForRuns(
  db: Database,
  functionId: string,
  predicate: (runs: Awaited<ReturnType<typeof runsOf>>) => boolean,
  timeoutMs = 30_000,
) {
  return waitFor(
    async () => {
      const runs = await runsOf(db, functionId);
      return predicate(runs) ? runs : null;
    },
    timeoutMs,
    `runs of ${functionId}`,
  );
}
