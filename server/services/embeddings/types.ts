/**
 * Turns texts into vectors. One `embed` call embeds one batch and either
 * returns exactly one valid vector per text, in input order, or throws: callers
 * never have to guess which text a partial answer belongs to.
 */
export type Embedder = {
  /** Stored next to every vector so rows embedded by another model can be found and re-embedded. */
  model: string;
  dimensions: number;
  embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<number[][]>;
};

/**
 * Environment variables named in error messages, so a message can say exactly
 * what to change. Keep in step with server/config.ts.
 */
export const EMBEDDING_SETTINGS = {
  baseURL: 'EMBEDDING_BASE_URL',
  apiKey: 'EMBEDDING_API_KEY',
  model: 'EMBEDDING_MODEL',
  dimensions: 'EMBEDDING_DIMENSIONS',
  sendDimensions: 'EMBEDDING_SEND_DIMENSIONS',
} as const;

const CONFIG_BRAND = Symbol.for('archon.EmbeddingConfigError');

type EmbeddingErrorOptions = { status?: number; cause?: unknown };

/** One batch could not be embedded, even after retries. Other batches may still succeed. */
export class EmbeddingError extends Error {
  override name = 'EmbeddingError';
  readonly status: number | undefined;
  constructor(message: string, opts: EmbeddingErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
  }
}

/**
 * A configuration problem that no retry fixes (wrong key, unknown model, wrong
 * dimension): every further batch would fail the same way, so callers stop.
 */
export class EmbeddingConfigError extends Error {
  override name = 'EmbeddingConfigError';
  readonly [CONFIG_BRAND] = true;
  readonly status: number | undefined;
  constructor(message: string, opts: EmbeddingErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
  }
}

// Checked by brand, not instanceof, like AppError: a bundler may load a second copy of this module.
export function isEmbeddingConfigError(err: unknown): err is EmbeddingConfigError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[CONFIG_BRAND] === true;
}
