import { DatabaseSetupError } from '../db/errors';
import { dispatch } from '../inngest/dispatch';
import { startLocalRunner } from '../inngest/start-local-runner';
import { ListenError, startServer } from './app-server';
import { ConfigError, loadConfig, secretValues } from './config';
import { isAppError } from './errors';
import { createLogger } from './logger';
import { resolveRunnerMode } from './runner/mode';
import { setRuntime } from './runtime/global';
import { startRuntime } from './runtime/runtime';
import { needsSetup } from './services/auth/accounts';
import { bootstrapOwner } from './services/auth/owner-bootstrap';
import { reembedIfModelChanged } from './services/ingest/reembed';
import { resealAll } from './services/providers/provider-settings';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { format: config.LOG_FORMAT, secrets: secretValues(process.env) });
  const runtime = await startRuntime(config, { logger });
  setRuntime(runtime);
  if (config.ARCHON_SECRET_PREVIOUS) {
    const resealed = await resealAll(runtime.database.db, runtime.secretBox);
    logger.info(`re-encrypted ${resealed} stored secret(s) under the current ARCHON_SECRET; ARCHON_SECRET_PREVIOUS can now be removed`);
  }
  await bootstrapOwner(runtime.database.db, {
    email: config.ARCHON_OWNER_EMAIL,
    password: config.ARCHON_OWNER_PASSWORD,
    apiKey: config.ARCHON_OWNER_API_KEY,
  });
  if (resolveRunnerMode(process.env) === 'local') await startLocalRunner(runtime);
  await reembedIfModelChanged(runtime.database.db, dispatch, runtime.ingest.embedder).then(
    (job) =>
      job &&
      logger.warn('stored embeddings come from another model or dimension; re-embedding them', { job: job.id, model: runtime.ingest.embedder.model }),
    (err: unknown) => logger.error('could not start re-embedding', { error: err as Error }),
  );
  const server = await startServer(runtime).catch(async (err: unknown) => {
    // Jobs and the database are closed properly: only the port was the problem.
    await runtime.close().catch(() => {});
    throw err;
  });
  // Before the ready line: a SIGTERM sent as soon as it is read must shut down
  // gracefully, not kill the process (start-up may still be talking to the database).
  let stoppingSince = 0;
  const stop = (signal: string) => {
    if (stoppingSince) {
      // Wrappers (npm, timeout, tsx) may relay the same signal; only a later one means "now".
      if (Date.now() - stoppingSince < 1000) return;
      logger.warn(`${signal} again: exiting immediately`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info(`${signal} received`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: err as Error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const mode =
    runtime.database.mode === 'embedded' ? `embedded database in ${runtime.database.location}` : `PostgreSQL at ${runtime.database.location}`;
  console.log(`Archon ${runtime.version} is ready at ${server.url} (${mode})`);
  if (await needsSetup(runtime.database.db))
    console.log(`No account yet: open ${server.url} to create the owner, or set ARCHON_OWNER_EMAIL and ARCHON_OWNER_PASSWORD`);
}

main().catch((err: unknown) => {
  if (err instanceof ListenError) {
    console.error(`Archon cannot start. ${err.message}`);
  } else if (err instanceof ConfigError || err instanceof DatabaseSetupError || isAppError(err)) {
    console.error(`Archon cannot start.\n${(err as Error).message}`);
  } else {
    console.error('Archon failed to start:', err);
  }
  process.exit(1);
});
