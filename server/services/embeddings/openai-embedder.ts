import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { capRetryAfter } from './cap-retry-after';
import { type Embedder, EmbeddingConfigError, EmbeddingError, EMBEDDING_SETTINGS as S } from './types';
import { validateVector } from './validate';

export type OpenAIEmbedderOptions = {
  baseURL: string;
  apiKey: string;
  model: string;
  dimensions: number;
  /** Send `dimensions` with each request; only models that can shorten their vectors accept it. */
  sendDimensions: boolean;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx and connection errors (done by the SDK, honouring retry-after). */
  maxRetries?: number;
  /** Told the input tokens the provider reports for each request (the metrics count them). */
  onUsage?: (tokens: number) => void;
};

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 4;

type Context = OpenAIEmbedderOptions & { where: string; attempts: number; timeoutMs: number };

/** Embeds through any OpenAI-compatible /embeddings endpoint: OpenAI, Ollama, LM Studio, vLLM, LiteLLM… */
export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): Embedder {
  const url = checkBaseURL(opts.baseURL);
  if (!Number.isInteger(opts.dimensions) || opts.dimensions < 1) {
    throw new EmbeddingConfigError(`${S.dimensions} must be a positive integer, got ${opts.dimensions}`);
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
  const client = new OpenAI({
    baseURL: opts.baseURL,
    apiKey: opts.apiKey,
    timeout: timeoutMs,
    maxRetries,
    fetch: capRetryAfter(),
    // Otherwise OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment would be sent to any provider.
    organization: null,
    project: null,
  });
  const ctx: Context = { ...opts, timeoutMs, attempts: maxRetries + 1, where: `${opts.model} at ${url}` };

  return {
    model: opts.model,
    dimensions: opts.dimensions,
    async embed(texts, { signal } = {}) {
      if (texts.length === 0) return [];
      signal?.throwIfAborted();
      let response: unknown;
      try {
        const request = client.embeddings.create(
          {
            model: opts.model,
            input: texts,
            // Asked for explicitly so the SDK leaves decoding to us: servers that
            // ignore encoding_format send plain numbers, which the SDK's own
            // base64 decoding would turn into garbage.
            encoding_format: 'base64',
            ...(opts.sendDimensions ? { dimensions: opts.dimensions } : {}),
          },
          { signal },
        );
        response = await untilAborted(request, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw describeFailure(err, ctx);
      }
      const tokens = (response as { usage?: { prompt_tokens?: unknown } } | null)?.usage?.prompt_tokens;
      if (typeof tokens === 'number' && Number.isFinite(tokens)) opts.onUsage?.(tokens);
      return readVectors(response, texts.length, ctx);
    },
  };
}

function readVectors(response: unknown, count: number, ctx: Context): number[][] {
  const data = (response as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    // A 200 without an embeddings list is a web page or another API: the URL is wrong.
    throw new EmbeddingConfigError(
      `${ctx.where} did not answer like an OpenAI-compatible embeddings API (no "data" list); ` + `check ${S.baseURL} (it usually ends in /v1)`,
    );
  }
  if (data.length !== count) {
    throw new EmbeddingError(`${ctx.where} returned ${data.length} vectors for ${count} texts`);
  }
  const byIndex = new Array<unknown>(count);
  for (const item of data as { index?: unknown; embedding?: unknown }[]) {
    const i = item?.index;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= count || byIndex[i] !== undefined) {
      throw new EmbeddingError(`${ctx.where} returned a vector with a missing, duplicate or out-of-range index (${String(i)})`);
    }
    byIndex[i] = item.embedding ?? null;
  }
  return byIndex.map((raw, i) => {
    const v = typeof raw === 'string' ? decodeFloat32(raw, ctx) : raw;
    if (Array.isArray(v) && v.length !== ctx.dimensions) throw dimensionMismatch(v.length, ctx);
    try {
      validateVector(v, ctx.dimensions);
    } catch (err) {
      throw new EmbeddingError(`${ctx.where} returned an unusable vector for text ${i}: ${(err as Error).message}`);
    }
    return v;
  });
}

function decodeFloat32(base64: string, ctx: Context): number[] {
  const buf = Buffer.from(base64, 'base64');
  if (buf.length % 4 !== 0) throw new EmbeddingError(`${ctx.where} returned a base64 vector of ${buf.length} bytes, not float32s`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const out = new Array<number>(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function dimensionMismatch(actual: number, ctx: Context): EmbeddingConfigError {
  const ignored = ctx.sendDimensions ? ` (the provider ignored the requested dimensions=${ctx.dimensions})` : '';
  return new EmbeddingConfigError(
    `${ctx.model} returned ${actual}-dimensional vectors but ${S.dimensions} is ${ctx.dimensions}${ignored}; ` +
      `set ${S.dimensions}=${actual} (and re-embed) or choose a ${ctx.dimensions}-dimensional model`,
  );
}

/** Turns an SDK failure into the error callers act on: stop (config) or skip this batch. */
function describeFailure(err: unknown, ctx: Context): Error {
  if (err instanceof APIConnectionTimeoutError) {
    return new EmbeddingError(`Embedding request to ${ctx.where} timed out after ${ctx.timeoutMs} ms (${ctx.attempts} attempts)`, { cause: err });
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? (err.cause.cause instanceof Error ? err.cause.cause : err.cause) : err;
    return new EmbeddingError(`Could not reach ${ctx.where} (${ctx.attempts} attempts): ${cause.message}`, { cause: err });
  }
  if (!(err instanceof APIError) || err.status === undefined) {
    return new EmbeddingError(`Embedding request to ${ctx.where} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const status = err.status;
  const detail = `HTTP ${status}: ${providerMessage(err)}`;
  const config = (message: string) => new EmbeddingConfigError(message, { status, cause: err });
  switch (status) {
    case 401:
      return config(`${ctx.where} rejected the API key (${detail}); set ${S.apiKey} to a valid key for this provider`);
    case 403:
      return config(`${ctx.where} refused access (${detail}); check that the key in ${S.apiKey} may use model ${ctx.model}`);
    case 404:
      return config(
        `${ctx.where} was not found (${detail}); set ${S.model} to a model this provider serves ` + `and check ${S.baseURL} (it usually ends in /v1)`,
      );
  }
  // Retrying an exhausted quota only burns time: every batch would fail the same way.
  if (status === 429 && err.code === 'insufficient_quota') {
    return config(`${ctx.where} has no quota left (${detail}); add credit to the account or set ${S.apiKey} to another key`);
  }
  if (status === 400 && ctx.sendDimensions && /dimension/i.test(providerMessage(err))) {
    return config(
      `${ctx.where} rejected the dimensions parameter (${detail}); set ${S.sendDimensions}=false ` +
        `and make sure ${S.dimensions} matches the model's vector size`,
    );
  }
  const retried = isRetryable(err) ? ` after ${ctx.attempts} attempts` : '';
  return new EmbeddingError(`Embedding request to ${ctx.where} failed with ${detail}${retried}`, { status, cause: err });
}

// Mirrors the SDK's own retry rule, only to word the message truthfully.
function isRetryable(err: APIError): boolean {
  const header = err.headers?.get('x-should-retry');
  if (header === 'true' || header === 'false') return header === 'true';
  const s = err.status ?? 0;
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

function providerMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (typeof body?.message === 'string' && body.message) return body.message;
  return err.message.replace(/^\d{3}\s+/, '');
}

/** The base URL as shown in messages; rejects what fetch could never use. */
function checkBaseURL(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EmbeddingConfigError(`${S.baseURL} is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new EmbeddingConfigError(`${S.baseURL} must be an http:// or https:// URL, got ${u.protocol}`);
  }
  // fetch refuses such URLs, and its error would print the password.
  if (u.username || u.password) {
    throw new EmbeddingConfigError(`${S.baseURL} must not contain credentials; put the key in ${S.apiKey}`);
  }
  return u.toString().replace(/\/$/, '');
}

/**
 * The SDK checks the signal only between attempts and sleeps through
 * retry-after without it, so an abort could wait up to a minute; settle at
 * once instead (the request itself is cancelled through the same signal).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
