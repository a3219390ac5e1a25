import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../db';
import type { DatabaseHandle } from '../db/types';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { createPubSub, type PubSub } from './realtime/pubsub';
import type { LocalRunner } from './runner/local-runner';
import type { CrawlDeps } from './services/crawl/crawl-deps';
import { createEmbedder } from './services/embeddings/create-embedder';
import { createContextualizer } from './services/ingest/contextualize';
import { createSummarizer } from './services/ingest/summarizer';
import { createReranker, type RerankSettings } from './services/search/rerank';
import type { SearchDeps } from './services/search/search-knowledge';
import { createTermStats } from './services/search/term-stats';
import { flushVectorBacklog } from '../db/vector-backlog';
import { ensureVectorIndexes } from '../db/vector-index';
import { CHANNELS } from './realtime/channels';
import { withProviderSettings } from './services/provider-config';
import { createSecretBox, type SecretBox } from './services/security/secret-box';
import { loadOrCreateSecret } from './services/security/secret-file';

/** Everything a request needs that outlives it. One per process. */
export type Runtime = {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  pubsub: PubSub;
  /** Dependencies of the ingestion services (crawl, upload, re-embed). */
  crawl: CrawlDeps;
  search: SearchDeps;
  /** The in-process job runner, when no Inngest server is configured and this process runs jobs. */
  runner?: LocalRunner;
  version: string;
  startedAt: Date;
  /** Encrypts and decrypts stored provider keys (ARCHON_SECRET, or the data directory's generated secret). */
  secretBox: SecretBox;
  /** The configuration from the environment; `config` is this with the saved provider settings laid over it. */
  baseConfig: Config;
  close(): Promise<void>;
};

export function createSearchDeps(config: Config, crawl: CrawlDeps): SearchDeps {
  const rerank: RerankSettings | null =
    config.RERANK_PROVIDER === 'none' || !config.RERANK_BASE_URL || !config.RERANK_MODEL
      ? null
      : { kind: config.RERANK_PROVIDER, baseURL: config.RERANK_BASE_URL, apiKey: config.RERANK_API_KEY, model: config.RERANK_MODEL };
  return {
    db: crawl.db,
    embedder: crawl.embedder,
    termStats: createTermStats(crawl.db),
    reranker: createReranker(rerank),
    rerankCandidates: config.RERANK_CANDIDATES,
    logger: crawl.logger,
  };
}

/** Contextual embeddings need both the switch and a chat model; asking for them without one is a configuration error. */
function createChatContextualizer(config: Config) {
  if (!config.CONTEXTUAL_EMBEDDINGS) return null;
  const baseURL = config.CHAT_BASE_URL ?? (config.CHAT_API_KEY ?? config.OPENAI_API_KEY ? 'https://api.openai.com/v1' : undefined);
  if (!baseURL || !config.CHAT_MODEL) {
    throw new ConfigError([{ variable: 'CONTEXTUAL_EMBEDDINGS', message: 'needs CHAT_MODEL and CHAT_BASE_URL (or an API key) to be set' }]);
  }
  return createContextualizer({
    baseURL,
    apiKey: config.CHAT_API_KEY ?? config.OPENAI_API_KEY,
    model: config.CHAT_MODEL,
    concurrency: config.CONTEXTUAL_CONCURRENCY,
  });
}

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
    contextualizer: createChatContextualizer(config),
    summarizer: createSummarizer(config, { logger }),
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

/** ARCHON_SECRET when set; otherwise a secret generated once into the data directory (mode 0600). */
export function createRuntimeSecretBox(config: Config, logger: Logger): SecretBox {
  let current = config.ARCHON_SECRET;
  if (!current) {
    const loaded = loadOrCreateSecret(config.ARCHON_DATA_DIR);
    if (loaded.warning) logger.warn(loaded.warning);
    if (loaded.created && config.DATABASE_URL) {
      logger.warn('ARCHON_SECRET is not set: generated one in the data directory; every Archon process on this database needs the same secret');
    }
    current = loaded.secret;
  }
  const previous = (config.ARCHON_SECRET_PREVIOUS ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  return createSecretBox({ current, previous });
}

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
  const crawl = createCrawlDeps(config, runtime.database, runtime.logger);
  runtime.config = config;
  runtime.crawl = crawl;
  runtime.search = createSearchDeps(config, crawl);
}

export async function startRuntime(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<Runtime> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.ARCHON_DATA_DIR === 'memory' ? null : config.ARCHON_DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    embeddingDimensions: config.EMBEDDING_DIMENSIONS,
    hnsw: { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION },
    efSearch: config.HNSW_EF_SEARCH,
  });
  let crawl: CrawlDeps;
  let secretBox: SecretBox;
  let effective: Config;
  try {
    secretBox = createRuntimeSecretBox(config, logger);
    effective = await withProviderSettings(database.db, secretBox, config, logger);
    if (effective.EMBEDDING_DIMENSIONS !== config.EMBEDDING_DIMENSIONS) {
      // The dimension saved in the settings, not the environment's: openDatabase folded in only the latter's backlog.
      await ensureVectorIndexes(database.db, effective.EMBEDDING_DIMENSIONS, { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION });
      await flushVectorBacklog(database.db, effective.EMBEDDING_DIMENSIONS);
    }
    crawl = createCrawlDeps(effective, database, logger);
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
    crawl,
    search: createSearchDeps(effective, crawl),
    version: readVersion(),
    startedAt: new Date(),
    close: () =>
      (closing ??= (async () => {
        await runtime.runner?.stop(config.SHUTDOWN_TIMEOUT_MS);
        await pubsub.close();
        await database.close();
      })()),
  };
  await pubsub.subscribe(CHANNELS.settings, () => {
    reloadProviders(runtime).catch((err: unknown) => logger.error('could not apply changed provider settings', { error: err as Error }));
  });
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
