import { loadConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/logger';
import { createPubSub } from '../../server/realtime/pubsub';
import { createCaller } from '../../server/routers/_app';
import type { Runtime } from '../../server/runtime';
import { createContextInner } from '../../server/trpc/context';
import type { DatabaseHandle } from '../../db/types';
import { createTestDatabase } from './db';

export type TestRuntime = Runtime & { caller: ReturnType<typeof createCaller> };

/** A runtime over a fresh test database, and a tRPC caller bound to it. */
export async function createTestRuntime(
  opts: { env?: Record<string, string>; database?: DatabaseHandle; poolMax?: number } = {},
): Promise<TestRuntime> {
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ARCHON_DATA_DIR: 'memory', ...opts.env });
  const database = opts.database ?? (await createTestDatabase({ poolMax: opts.poolMax }));
  const pubsub = createPubSub(database.listen);
  const runtime: Runtime = {
    config,
    logger: createLogger('silent'),
    database,
    pubsub,
    version: 'test',
    startedAt: new Date(),
    close: async () => {
      await pubsub.close();
      await database.close();
    },
  };
  return { ...runtime, caller: createCaller(createContextInner({ runtime })) };
}
