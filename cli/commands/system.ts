import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT, UsageError } from '../errors';
import { integer } from '../options';
import { formatDuration } from '../output';
import { type GlobalOptions, outputOf, withArchon } from '../run';

/** `archon start`: Archon's server, exactly as `npm start` runs it (the build first, if the sources changed). */
async function start(o: { port?: number; host?: string; build: boolean }, command: Command) {
  if (command.optsWithGlobals<GlobalOptions>().url) throw new UsageError('start runs Archon here; --url is for the commands that use one');
  if (o.build) {
    const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new CliError('The web app could not be built (see above).');
  }
  const { startCommand } = await import('../../server/start-command');
  const launch = startCommand();
  const env = { ...launch.env, ...process.env, ...(o.port !== undefined ? { PORT: String(o.port) } : {}), ...(o.host ? { HOST: o.host } : {}) };
  const server = spawn(process.execPath, [...launch.flags, '--import', 'tsx', 'server/index.ts'], { stdio: 'inherit', env });
  // The server stops gracefully on either signal (and takes a second one within a second as the same).
  const relay = (signal: NodeJS.Signals) => () => server.kill(signal);
  process.on('SIGINT', relay('SIGINT'));
  process.on('SIGTERM', relay('SIGTERM'));
  const code = await new Promise<number>((resolve) => server.once('exit', (c, signal) => resolve(c ?? (signal ? EXIT.failure : EXIT.ok))));
  process.exitCode = code;
}

/** `archon migrate`: applies the database's pending migrations (as every start does), or with --check only reports them. */
async function migrate(o: { check?: boolean }, command: Command) {
  const out = outputOf(command);
  const [{ ConfigError, loadConfig }, { DatabaseSetupError }, { openDatabase }, { migrationStatus }, { openEmbedded }, { openServer }] =
    await Promise.all([
      import('../../server/config'),
      import('../../db/errors'),
      import('../../db'),
      import('../../db/migrate'),
      import('../../db/pglite'),
      import('../../db/postgres'),
    ]);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message.replace(/\s+/g, ' '), 'CONFIG');
    throw err;
  }
  if (!config.DATABASE_URL && config.ARCHON_DATA_DIR === 'memory') throw new UsageError('ARCHON_DATA_DIR=memory keeps no database to migrate');
  const dataDir = config.ARCHON_DATA_DIR;
  const open = async <T>(fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DatabaseSetupError) throw new CliError(err.message.replace(/\s+/g, ' '), 'DATABASE');
      throw err;
    }
  };
  // A check does not create the database it checks: with none there yet, every migration is pending (read from a blank one in memory).
  const pgDir = path.join(path.resolve(dataDir), 'pglite');
  const absent = Boolean(o.check && !config.DATABASE_URL && !fs.existsSync(path.join(pgDir, 'PG_VERSION')));
  const handle = await open(() => (config.DATABASE_URL ? openServer(config.DATABASE_URL, 2) : openEmbedded(absent ? null : dataDir)));
  const where = absent
    ? `the embedded database in ${pgDir} (not created yet)`
    : handle.mode === 'embedded'
      ? `the embedded database in ${handle.location}`
      : `PostgreSQL at ${handle.location}`;
  let before: Awaited<ReturnType<typeof migrationStatus>>;
  try {
    before = await migrationStatus(handle);
  } finally {
    await handle.close();
  }
  if (o.check || before.current) {
    out.result({ database: where, ...before, applied: before.applied }, () =>
      before.current
        ? `${where}: up to date (${before.applied} migrations applied).`
        : `${where}: ${before.pending.length} migration(s) pending: ${before.pending.join(', ')}. Apply them with archon migrate.`,
    );
    process.exitCode = before.current ? EXIT.ok : EXIT.failure;
    return;
  }
  // Opened as every start opens it: migrations under the advisory lock, then the vector indexes.
  const migrated = await open(() =>
    openDatabase({
      url: config.DATABASE_URL,
      dataDir,
      poolMax: 2,
      embeddingDimensions: config.EMBEDDING_DIMENSIONS,
      hnsw: { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION },
    }),
  );
  try {
    const after = await migrationStatus(migrated);
    out.result(
      { database: where, ...after, appliedNow: before.pending },
      () => `${where}: applied ${before.pending.length} migration(s): ${before.pending.join(', ')}.`,
    );
  } finally {
    await migrated.close();
  }
}

async function status(command: Command) {
  await withArchon(command, {}, async (conn, out) => {
    const { api } = conn;
    // Counted by the listings' totals: the running jobs are often older than a page of queued ones.
    const [health, me, info, runningJobs, queuedJobs, sources] = await Promise.all([
      api.system.health.query(),
      api.auth.me.query(),
      api.system.info.query(),
      api.jobs.list.query({ status: 'running', limit: 1 }),
      api.jobs.list.query({ status: 'queued', limit: 1 }),
      api.knowledge.sources.query({ limit: 1 }),
    ]);
    const running = runningJobs.total;
    const queued = queuedJobs.total;
    const value = {
      mode: conn.mode,
      where: conn.where,
      health,
      me,
      runner: info.runner,
      sources: sources.total,
      jobs: { running, queued },
    };
    out.result(value, () => {
      const db = health.database;
      const migrations = health.migrations
        ? health.migrations.current
          ? `migrations current (${health.migrations.applied})`
          : `${health.migrations.pending.length} migration(s) pending`
        : 'migrations unknown';
      const who = me.email ?? (me.kind === 'system' ? 'the local owner' : me.kind);
      return [
        `Archon ${health.version}: ${health.status}`,
        `  at:        ${conn.mode === 'remote' ? conn.where : `${conn.where} (local)`}`,
        `  database:  ${db.mode}${db.serverVersion ? `, PostgreSQL ${db.serverVersion}` : ''}${db.pgvector ? `, pgvector ${db.pgvector}` : ''}; ${migrations}${db.error ? `; ${db.error}` : ''}`,
        `  up:        ${formatDuration(health.uptimeSeconds)}`,
        `  jobs:      ${running} running, ${queued} queued (${info.runner} runner${info.inngest ? `, ${info.inngest.url}` : ''})`,
        `  sources:   ${sources.total}`,
        `  acting as: ${who} (${me.role}; ${me.capabilities.join(', ')})`,
      ].join('\n');
    });
    return health.status === 'ok' ? EXIT.ok : EXIT.failure;
  });
}

export function registerSystem(program: Command) {
  program
    .command('start')
    .description('Start Archon, as npm start does (builds the web app first when needed)')
    .option('--port <n>', 'the port (default PORT, or 3737; 0 picks a free one)', integer(0, 65535))
    .option('--host <host>', 'the address to listen on (default HOST, or 127.0.0.1)')
    .option('--no-build', 'use the web app as last built, without checking it against the sources')
    .action(start);
  program
    .command('migrate')
    .description("Apply the database's pending migrations (every start does too); --check only reports them")
    .option('--check', 'report pending migrations without applying them (exit code 1 if any)')
    .action(migrate);
  program
    .command('status')
    .description("Archon's health, database, jobs and who the key acts as (exit code 1 when degraded)")
    .action((_o: unknown, command: Command) => status(command));
}
