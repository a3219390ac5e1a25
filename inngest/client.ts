import { Inngest } from 'inngest';
import { localRunnerEndpoint } from '../server/runner/global';
import { createLocalFetch } from '../server/runner/local-fetch';
import { resolveRunnerMode } from '../server/runner/mode';
import { inngestLogger } from './logger';
import { ServicesMiddleware } from './services';

export const runnerMode = resolveRunnerMode(process.env);

/**
 * In local mode the SDK is pointed at the in-process runner: dev mode (no
 * signing), no checkpointing (it would call an Inngest API), and a fetch that
 * delivers event sends to the runner. Every function gets the process's
 * services from the middleware.
 */
export const inngest = new Inngest({
  id: 'archon',
  logger: inngestLogger,
  middleware: [ServicesMiddleware],
  ...(runnerMode === 'local' ? { isDev: true, checkpointing: false, fetch: createLocalFetch(localRunnerEndpoint) } : {}),
});
