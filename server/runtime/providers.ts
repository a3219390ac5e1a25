import type { DatabaseHandle } from '../../db/types';
import { type Config, ConfigError } from '../config';
import type { Logger } from '../logger';
import { createEmbedder } from '../services/embeddings/create-embedder';
import type { Embedder } from '../services/embeddings/types';
import { createContextualizer } from '../services/ingest/contextualize';
import type { IngestDeps } from '../services/ingest/ingest-deps';
import { createSummarizer } from '../services/ingest/summarizer';
import { createQueryRewriter } from '../services/search/query-rewrite';
import { createReranker, type RerankSettings } from '../services/search/rerank';
import type { SearchDeps } from '../services/search/search-knowledge';
import { createTermStats } from '../services/search/term-stats';
import { countEmbeddingTokens, countedEmbedder } from './metrics';

/** Contextual embeddings need both the switch and a chat model; asking for them without one is a configuration error. */
function createChatContextualizer(config: Config) {
  if (!config.CONTEXTUAL_EMBEDDINGS) return null;
  const baseURL = config.CHAT_BASE_URL ?? (config.CHAT_API_KEY ? 'https://api.openai.com/v1' : undefined);
  if (!baseURL || !config.CHAT_MODEL) {
    throw new ConfigError([{ variable: 'CONTEXTUAL_EMBEDDINGS', message: 'needs CHAT_MODEL and CHAT_BASE_URL (or an API key) to be set' }]);
  }
  return createContextualizer({
    baseURL,
    apiKey: config.CHAT_API_KEY,
    model: config.CHAT_MODEL,
    concurrency: config.CONTEXTUAL_CONCURRENCY,
  });
}

/** The providers and limits that crawls, uploads and re-embedding use, from the effective configuration. */
export function createIngestDeps(config: Config, database: DatabaseHandle, logger: Logger): IngestDeps {
  // Counted for the metrics endpoint: requests, texts, and the tokens the provider reports.
  const embedder: Embedder = countedEmbedder(
    createEmbedder({
      baseURL: config.EMBEDDING_BASE_URL,
      apiKey: config.EMBEDDING_API_KEY,
      model: config.EMBEDDING_MODEL,
      dimensions: config.EMBEDDING_DIMENSIONS,
      sendDimensions: config.EMBEDDING_SEND_DIMENSIONS,
      onUsage: (tokens) => countEmbeddingTokens(embedder.model, tokens),
    }),
  );
  return {
    db: database.db,
    embedder,
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

/** Query rewriting needs a chat model; asking for it without one is a configuration error, as for contextual embeddings. */
function createChatQueryRewriter(config: Config) {
  if (config.QUERY_REWRITE === 'off') return null;
  const baseURL = config.CHAT_BASE_URL ?? (config.CHAT_API_KEY ? 'https://api.openai.com/v1' : undefined);
  if (!baseURL || !config.CHAT_MODEL) {
    throw new ConfigError([{ variable: 'QUERY_REWRITE', message: 'needs CHAT_MODEL and CHAT_BASE_URL (or an API key) to be set' }]);
  }
  return createQueryRewriter({
    mode: config.QUERY_REWRITE,
    baseURL,
    apiKey: config.CHAT_API_KEY,
    model: config.CHAT_MODEL,
    timeoutMs: config.QUERY_REWRITE_TIMEOUT_MS,
  });
}

/** Search shares the ingestion embedder, so queries and stored vectors always come from the same model. */
export function createSearchDeps(config: Config, ingest: IngestDeps): SearchDeps {
  const rerank: RerankSettings | null =
    config.RERANK_PROVIDER === 'none' || !config.RERANK_BASE_URL || !config.RERANK_MODEL
      ? null
      : { kind: config.RERANK_PROVIDER, baseURL: config.RERANK_BASE_URL, apiKey: config.RERANK_API_KEY, model: config.RERANK_MODEL };
  return {
    db: ingest.db,
    embedder: ingest.embedder,
    termStats: createTermStats(ingest.db),
    reranker: createReranker(rerank),
    rerankCandidates: config.RERANK_CANDIDATES,
    queryRewriter: createChatQueryRewriter(config),
    logger: ingest.logger,
  };
}
