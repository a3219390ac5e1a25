import { Inngest } from 'inngest';
import { localRunnerEndpoint } from '../server/runner/global';
import { createLocalFetch } from '../server/runner/local-fetch';
import { resolveRunnerMode } from '../server/runner/mode';
import { inngestLogger } from './logger';

export const runnerMode = resolveRunnerMode(process.env);

/**
 * In local mode the SDK is pointed at the in-process runner: dev mode (no
 * signing), no checkpointing (it would call an Inngest API), and a fetch that
 * delivers event sends to the runner.
 */
export const inngest = new Inngest({
  id: 'archon',
  logger: inngestLogger,
  ...(runnerMode === 'local' ? { isDev: true, checkpointing: false, fetch: createLocalFetch(localRunnerEndpoint) } : {}),
});
