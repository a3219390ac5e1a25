import { crawlOptionsSchema } from '../../schemas/knowledge';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, resolveEmbeddingSettings } from '../embeddings/create-embedder';
import { HASH_EMBEDDER_MODEL } from '../embeddings/hash-embedder';
import type { ProviderSettingsView } from './provider-settings';

/**
 * What the settings page shows read-only: the providers as they are in effect
 * (and where each value comes from), and the search, crawl and upload values
 * that only the environment sets. Search and crawling have no saved settings
 * (a crawl's options travel with each crawl), so these are shown, not edited,
 * each with the variable that changes it. No key is ever part of this.
 */

/** The configuration fields read here; the runtime's Config has them all (services do not import server/config). */
export type EffectiveConfig = {
  EMBEDDING_BASE_URL?: string;
  EMBEDDING_MODEL?: string;
  EMBEDDING_DIMENSIONS: number;
  EMBEDDING_API_KEY?: string;
  EMBEDDING_BATCH_SIZE: number;
  EMBEDDING_CONCURRENCY: number;
  CHAT_BASE_URL?: string;
  CHAT_MODEL?: string;
  CHAT_API_KEY?: string;
  CONTEXTUAL_EMBEDDINGS: boolean;
  RERANK_PROVIDER: 'none' | 'endpoint' | 'chat';
  RERANK_BASE_URL?: string;
  RERANK_MODEL?: string;
  RERANK_CANDIDATES: number;
  QUERY_REWRITE: 'off' | 'rewrite' | 'hyde' | 'both';
  QUERY_REWRITE_TIMEOUT_MS: number;
  HNSW_EF_SEARCH: number;
  RATE_LIMIT_SEARCH_PER_MINUTE: number;
  RATE_LIMIT_CRAWL_PER_MINUTE: number;
  RATE_LIMIT_UPLOAD_PER_MINUTE: number;
  CRAWL_ALLOW_PRIVATE_NETWORK: boolean;
  CRAWL_ALLOWED_HOSTS: string[];
  CRAWL_USER_AGENT: string;
  UPLOAD_MAX_FILE_BYTES: number;
  UPLOAD_MAX_FILES: number;
};

export type ValueSource = 'saved' | 'environment' | 'default';

const sourceOf = (saved: unknown, env: unknown): ValueSource => (saved != null ? 'saved' : env != null ? 'environment' : 'default');

export function effectiveSettings(config: EffectiveConfig, base: EffectiveConfig, view: ProviderSettingsView) {
  const embedding = resolveEmbeddingSettings({
    baseURL: config.EMBEDDING_BASE_URL,
    apiKey: config.EMBEDDING_API_KEY,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
  });
  const offline = embedding.kind === 'hash';
  const chatKey = config.CHAT_API_KEY;
  const chatBaseUrl = config.CHAT_BASE_URL ?? (chatKey ? DEFAULT_BASE_URL : null);
  const keySource = (saved: boolean, env: string | undefined): ValueSource | 'none' => (saved ? 'saved' : env ? 'environment' : 'none');
  return {
    embedding: {
      offline,
      baseUrl: offline ? null : embedding.options.baseURL,
      model: offline ? HASH_EMBEDDER_MODEL : embedding.options.model,
      dimensions: config.EMBEDDING_DIMENSIONS,
      sources: {
        baseUrl: sourceOf(view.embedding.baseUrl, base.EMBEDDING_BASE_URL),
        model: sourceOf(view.embedding.model, base.EMBEDDING_MODEL),
        dimensions: view.embedding.dimensions != null ? 'saved' : ('environment' as ValueSource),
        apiKey: keySource(view.embedding.apiKey.set, config.EMBEDDING_API_KEY),
      },
      /** What an empty field falls back to: the environment's value, or the built-in default. */
      fallback: {
        baseUrl: base.EMBEDDING_BASE_URL ?? null,
        model: base.EMBEDDING_MODEL ?? null,
        defaultModel: DEFAULT_MODEL,
        dimensions: base.EMBEDDING_DIMENSIONS,
      },
      batchSize: config.EMBEDDING_BATCH_SIZE,
      concurrency: config.EMBEDDING_CONCURRENCY,
    },
    chat: {
      configured: Boolean(chatBaseUrl && config.CHAT_MODEL),
      baseUrl: chatBaseUrl,
      model: config.CHAT_MODEL ?? null,
      sources: {
        baseUrl: sourceOf(view.chat.baseUrl, base.CHAT_BASE_URL),
        model: sourceOf(view.chat.model, base.CHAT_MODEL),
        apiKey: keySource(view.chat.apiKey.set, chatKey),
      },
      fallback: { baseUrl: base.CHAT_BASE_URL ?? null, model: base.CHAT_MODEL ?? null },
      contextualEmbeddings: config.CONTEXTUAL_EMBEDDINGS,
    },
    search: {
      rerank:
        config.RERANK_PROVIDER === 'none' || !config.RERANK_BASE_URL || !config.RERANK_MODEL
          ? null
          : { provider: config.RERANK_PROVIDER, model: config.RERANK_MODEL, candidates: config.RERANK_CANDIDATES },
      /** Query rewriting by the chat model: its mode and time limit, or null when off. */
      queryRewrite: config.QUERY_REWRITE === 'off' ? null : { mode: config.QUERY_REWRITE, timeoutMs: config.QUERY_REWRITE_TIMEOUT_MS },
      efSearch: config.HNSW_EF_SEARCH,
      perMinute: config.RATE_LIMIT_SEARCH_PER_MINUTE,
    },
    crawl: {
      allowPrivateNetwork: config.CRAWL_ALLOW_PRIVATE_NETWORK,
      allowedHosts: config.CRAWL_ALLOWED_HOSTS,
      userAgent: config.CRAWL_USER_AGENT,
      perMinute: config.RATE_LIMIT_CRAWL_PER_MINUTE,
      /** What a crawl uses for each option it leaves out (the add-knowledge dialog shows the same). */
      defaults: crawlOptionsSchema.parse({}),
    },
    uploads: { maxFileBytes: config.UPLOAD_MAX_FILE_BYTES, maxFiles: config.UPLOAD_MAX_FILES, perMinute: config.RATE_LIMIT_UPLOAD_PER_MINUTE },
  };
}

export type EffectiveSettings = ReturnType<typeof effectiveSettings>;
