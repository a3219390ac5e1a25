import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../db';
import type { DatabaseHandle } from '../../db/types';
import { flushVectorBacklog } from '../../db/vector-backlog';
import { ensureVectorIndexes } from '../../db/vector-index';
import { type Config, secretValues } from '../config';
import { createLogger, type Logger, registerSecrets } from '../logger';
import { CHANNELS } from '../realtime/channels';
import { createPubSub, type PubSub } from '../realtime/pubsub';
import type { LocalRunner } from '../runner/local-runner';
import type { IngestDeps } from '../services/ingest/ingest-deps';
import { withProviderSettings } from '../services/providers/provider-config';
import type { SearchDeps } from '../services/search/search-knowledge';
import type { SecretBox } from '../services/security/secret-box';
import { createIngestDeps, createSearchDeps } from './providers';
import { createRuntimeSecretBox } from './secret';

/** Everything a request needs that outlives it. One per process. */
export type Runtime = {
  /** The configuration from the environment with the saved provider settings laid over it. */
  config: Config;
  /** The configuration from the environment alone. */
  baseConfig: Config;
  logger: Logger;
  database: DatabaseHandle;
  pubsub: PubSub;
  /** Dependencies of the ingestion services (crawl, upload, re-embed). */
  ingest: IngestDeps;
  search: SearchDeps;
  /** The in-process job runner, when no Inngest server is configured and this process runs jobs. */
  runner?: LocalRunner;
  version: string;
  startedAt: Date;
  /** Encrypts and decrypts stored provider keys (ARCHON_SECRET, or the data directory's generated secret). */
  secretBox: SecretBox;
  close(): Promise<void>;
};

export type RuntimeOptions = {
  logger?: Logger;
  /** An open database (tests); by default the one the configuration names is opened. */
  database?: DatabaseHandle;
  secretBox?: SecretBox;
  version?: string;
  /** Runs once the database is closed (benchmarks remove their data directory). */
  afterClose?: () => Promise<void>;
};

export function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

const openConfiguredDatabase = (config: Config) =>
  openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.ARCHON_DATA_DIR === 'memory' ? null : config.ARCHON_DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    embeddingDimensions: config.EMBEDDING_DIMENSIONS,
    hnsw: { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION },
    efSearch: config.HNSW_EF_SEARCH,
  });

// One runtime's reloads, chained. A reload can wait seconds for the index lock
// (a rebuild holds it); finishing after a newer one, it would put back older settings.
const reloads = new WeakMap<Runtime, Promise<void>>();

/**
 * Rebuilds the provider-dependent parts of the runtime (embedder, chat model,
 * search) from the environment and the saved settings. Every process calls
 * it when settings change (NOTIFY), so all of them embed with the same model.
 * Reloads run one at a time, each reading the settings when its turn comes.
 */
export function reloadProviders(runtime: Runtime): Promise<void> {
  const next = (reloads.get(runtime) ?? Promise.resolve()).catch(() => {}).then(() => applyProviders(runtime));
  reloads.set(runtime, next);
  return next;
}

async function applyProviders(runtime: Runtime): Promise<void> {
  const config = await withProviderSettings(runtime.database.db, runtime.secretBox, runtime.baseConfig, runtime.logger);
  if (config.EMBEDDING_DIMENSIONS !== runtime.config.EMBEDDING_DIMENSIONS) {
    await ensureVectorIndexes(runtime.database.db, config.EMBEDDING_DIMENSIONS, { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION });
  }
  const ingest = createIngestDeps(config, runtime.database, runtime.logger);
  // Keys saved in the dashboard are secrets too; the log never shows them.
  registerSecrets(secretValues(config));
  runtime.config = config;
  runtime.ingest = ingest;
  runtime.search = createSearchDeps(config, ingest);
}

/**
 * Builds the process's runtime: the database (opened and migrated unless one
 * is given), the saved provider settings laid over the environment, pub/sub,
 * and the ingestion and search dependencies. The server, the benchmarks and
 * the tests all start theirs here.
 */
export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL, { format: config.LOG_FORMAT, secrets: secretValues(config) });
  const database = opts.database ?? (await openConfiguredDatabase(config));
  let ingest: IngestDeps;
  let secretBox: SecretBox;
  let effective: Config;
  try {
    secretBox = opts.secretBox ?? createRuntimeSecretBox(config, logger);
    effective = await withProviderSettings(database.db, secretBox, config, logger);
    if (effective.EMBEDDING_DIMENSIONS !== config.EMBEDDING_DIMENSIONS) {
      // The dimension saved in the settings, not the environment's: openDatabase folded in only the latter's backlog.
      await ensureVectorIndexes(database.db, effective.EMBEDDING_DIMENSIONS, { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION });
      await flushVectorBacklog(database.db, effective.EMBEDDING_DIMENSIONS);
    }
    ingest = createIngestDeps(effective, database, logger);
    registerSecrets(secretValues(effective));
  } catch (err) {
    await database.close();
    throw err;
  }
  const pubsub = createPubSub(database.listen, logger);
  let closing: Promise<void> | null = null;
  const runtime: Runtime = {
    config: effective,
    baseConfig: config,
    secretBox,
    logger,
    database,
    pubsub,
    ingest,
    search: createSearchDeps(effective, ingest),
    version: opts.version ?? readVersion(),
    startedAt: new Date(),
    close: () =>
      (closing ??= (async () => {
        await runtime.runner?.stop(config.SHUTDOWN_TIMEOUT_MS);
        await pubsub.close();
        await database.close();
        await opts.afterClose?.();
      })()),
  };
  await pubsub.subscribe(CHANNELS.settings, () => {
    reloadProviders(runtime).catch((err: unknown) => logger.error('could not apply changed provider settings', { error: err as Error }));
  });
  return runtime;
}
