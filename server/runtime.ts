import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../db';
import type { DatabaseHandle } from '../db/types';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { createPubSub, type PubSub } from './realtime/pubsub';
import type { LocalRunner } from './runner/local-runner';
import type { CrawlDeps } from './services/crawl/crawl-deps';
import { createEmbedder } from './services/embeddings/create-embedder';

/** Everything a request needs that outlives it. One per process. */
export type Runtime = {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  pubsub: PubSub;
  /** Dependencies of the ingestion services (crawl, upload, re-embed). */
  crawl: CrawlDeps;
  /** The in-process job runner, when no Inngest server is configured and this process runs jobs. */
  runner?: LocalRunner;
  version: string;
  startedAt: Date;
  close(): Promise<void>;
};

export function createCrawlDeps(config: Config, database: DatabaseHandle, logger: Logger): CrawlDeps {
  return {
    db: database.db,
    embedder: createEmbedder({
      baseURL: config.EMBEDDING_BASE_URL,
      apiKey: config.EMBEDDING_API_KEY ?? config.OPENAI_API_KEY,
      model: config.EMBEDDING_MODEL,
      dimensions: config.EMBEDDING_DIMENSIONS,
      sendDimensions: config.EMBEDDING_SEND_DIMENSIONS,
    }),
    embedding: { batchSize: config.EMBEDDING_BATCH_SIZE, concurrency: config.EMBEDDING_CONCURRENCY },
    network: {
      policy: { allowPrivate: config.CRAWL_ALLOW_PRIVATE_NETWORK, allowedHosts: config.CRAWL_ALLOWED_HOSTS },
      userAgent: config.CRAWL_USER_AGENT,
    },
    logger,
  };
}

export function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function startRuntime(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<Runtime> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.ARCHON_DATA_DIR === 'memory' ? null : config.ARCHON_DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    embeddingDimensions: config.EMBEDDING_DIMENSIONS,
    hnsw: { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION },
  });
  const pubsub = createPubSub(database.listen, logger);
  let closing: Promise<void> | null = null;
  const runtime: Runtime = {
    config,
    logger,
    database,
    pubsub,
    crawl: createCrawlDeps(config, database, logger),
    version: readVersion(),
    startedAt: new Date(),
    close: () =>
      (closing ??= (async () => {
        await runtime.runner?.stop(config.SHUTDOWN_TIMEOUT_MS);
        await pubsub.close();
        await database.close();
      })()),
  };
  return runtime;
}

// Next bundles route handlers separately from the custom server, so module
// state is not shared between them; globalThis is.
const KEY = Symbol.for('archon.runtime');
type Holder = { [KEY]?: Promise<Runtime> };

export function setRuntime(runtime: Runtime | Promise<Runtime>): void {
  (globalThis as Holder)[KEY] = Promise.resolve(runtime);
  void Promise.resolve(runtime).then((rt) => (settledLogger = rt.logger));
}

export function clearRuntime(): void {
  delete (globalThis as Holder)[KEY];
}

let settledLogger: Logger | undefined;

/** The running process's logger, for code that cannot wait for the runtime (library callbacks). */
export function currentLogger(): Logger {
  return settledLogger ?? createLogger((process.env.LOG_LEVEL as Parameters<typeof createLogger>[0]) || 'info');
}

/** The process's runtime; started from the environment on first use when no server set one up. */
export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  holder[KEY] ??= startRuntime(loadConfig());
  return holder[KEY];
}
