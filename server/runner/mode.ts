export type RunnerMode = 'local' | 'inngest';

const INNGEST_VARIABLES = ['INNGEST_BASE_URL', 'INNGEST_DEV', 'INNGEST_EVENT_KEY', 'INNGEST_SIGNING_KEY'];

/**
 * Which executor runs the Inngest functions: an Inngest server (dev server,
 * self-hosted or Cloud) when one is configured, otherwise the local runner.
 * Exactly one is active, so a function never runs twice.
 */
export function resolveRunnerMode(env: Record<string, string | undefined>): RunnerMode {
  const explicit = env.ARCHON_RUNNER?.trim();
  if (explicit === 'local' || explicit === 'inngest') return explicit;
  return INNGEST_VARIABLES.some((k) => (env[k] ?? '').trim() !== '') ? 'inngest' : 'local';
}
