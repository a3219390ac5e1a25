import { createHashEmbedder } from './hash-embedder';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder';
import type { Embedder } from './types';

export type EmbeddingSettings = {
  baseURL?: string;
  apiKey?: string;
  model?: string;
  dimensions: number;
  sendDimensions?: boolean;
  timeoutMs?: number;
  maxRetries?: number;
  /** Told the input tokens a provider reports per request. */
  onUsage?: (tokens: number) => void;
};

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_MODEL = 'text-embedding-3-small';
// Local servers (Ollama, LM Studio) accept any key but the SDK refuses to send none.
export const PLACEHOLDER_API_KEY = 'not-needed';

/**
 * Only OpenAI's text-embedding-3 family can shorten its vectors on request;
 * other models and providers may reject the `dimensions` parameter outright.
 */
export const acceptsDimensions = (model: string) => /^text-embedding-3/.test(model);

export type ResolvedEmbedding = { kind: 'hash'; dimensions: number } | { kind: 'openai'; options: OpenAIEmbedderOptions };

/**
 * No key and no URL means the offline hash embedder, so Archon works out of the
 * box; anything else is an OpenAI-compatible provider (a URL without a key is a
 * local server). Blank strings count as unset, like empty environment variables.
 */
export function resolveEmbeddingSettings(settings: EmbeddingSettings): ResolvedEmbedding {
  const baseURL = settings.baseURL?.trim() || undefined;
  const apiKey = settings.apiKey?.trim() || undefined;
  if (!baseURL && !apiKey) return { kind: 'hash', dimensions: settings.dimensions };
  const model = settings.model?.trim() || DEFAULT_MODEL;
  return {
    kind: 'openai',
    options: {
      baseURL: baseURL ?? DEFAULT_BASE_URL,
      apiKey: apiKey ?? PLACEHOLDER_API_KEY,
      model,
      dimensions: settings.dimensions,
      sendDimensions: settings.sendDimensions ?? acceptsDimensions(model),
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      onUsage: settings.onUsage,
    },
  };
}

export function createEmbedder(settings: EmbeddingSettings): Embedder {
  const resolved = resolveEmbeddingSettings(settings);
  return resolved.kind === 'hash' ? createHashEmbedder(resolved.dimensions) : createOpenAIEmbedder(resolved.options);
}
