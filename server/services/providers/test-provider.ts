import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ProviderKind, TestProviderInput } from '../../schemas/provider-settings';
import { DEFAULT_BASE_URL, resolveEmbeddingSettings } from '../embeddings/create-embedder';
import { HASH_EMBEDDER_MODEL } from '../embeddings/hash-embedder';
import { validateVector } from '../embeddings/validate';
import type { ProviderVariables } from './provider-config';
import type { ProviderSettingsView } from './provider-settings';

/**
 * "Test connection" on the settings page: one small request to the provider
 * with the settings as they would be once saved, answered with what happened
 * in words an admin can act on. A provider on a private address is normal
 * here (Ollama on localhost), so the crawler's SSRF guard does not apply; the
 * request is bounded instead: one attempt, a deadline, no redirects followed,
 * and a cap on the bytes read back. Only admins reach it.
 */

export const TEST_TIMEOUT_MS = 10_000;
/** A 4000-dimension vector in base64 is about 21 kB; a chat reply far less. */
export const TEST_MAX_RESPONSE_BYTES = 1024 * 1024;
const TEST_INPUT = 'Archon connection test';
const MAX_MESSAGE_CHARS = 300;

export type ProviderTestFailure =
  | 'not_configured'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'redirect'
  | 'unauthorized'
  | 'forbidden'
  | 'model_not_found'
  | 'wrong_dimensions'
  | 'rate_limited'
  | 'quota'
  | 'bad_request'
  | 'server_error'
  | 'bad_response'
  | 'too_large'
  | 'http_error';

/** What was tested, never the key itself. */
export type ProviderTestTarget = {
  kind: ProviderKind;
  /** null for the offline embedder, which makes no request. */
  baseUrl: string | null;
  model: string | null;
  dimensions: number | null;
  keySent: boolean;
};

export type ProviderTestResult =
  | { ok: true; target: ProviderTestTarget; latencyMs: number; message: string }
  | { ok: false; target: ProviderTestTarget; latencyMs: number; code: ProviderTestFailure; status: number | null; message: string };

/** The environment's provider variables, as the runtime's base configuration has them. */
export type ProviderBase = ProviderVariables & { OPENAI_API_KEY?: string; EMBEDDING_SEND_DIMENSIONS?: boolean };

/** The saved settings and their keys (plaintext, server-side only; never returned). */
export type SavedProviders = { view: ProviderSettingsView; secrets: { embedding: string | null; chat: string | null } };

type Resolved = {
  kind: ProviderKind;
  baseUrl: string | undefined;
  model: string | undefined;
  dimensions: number;
  apiKey: string | undefined;
  sendDimensions: boolean | undefined;
};

const pick = <T>(next: T | null | undefined, prev: T | null): T | null => (next === undefined ? prev : next);

/**
 * The provider as it would be configured after saving `input`, by the rules
 * of updateProviderSettings (a stored key is dropped when the base URL moves)
 * and withProviderSettings (a saved value wins over the environment's; the
 * environment's key goes only to the environment's endpoint). OPENAI_API_KEY
 * follows the same rule here: it is never sent to an address typed into the form.
 */
export function resolveTestTarget(base: ProviderBase, saved: SavedProviders, input: TestProviderInput): Resolved {
  const kind = input.kind;
  const old = saved.view[kind];
  const baseUrl = pick(input.baseUrl, old.baseUrl);
  const model = pick(input.model, old.model);
  const oldDimensions = kind === 'embedding' ? saved.view.embedding.dimensions : null;
  const dimensions = kind === 'embedding' ? pick(input.dimensions, oldDimensions) : null;
  const movedAway = baseUrl !== old.baseUrl;
  const storedKey = movedAway ? null : saved.secrets[kind];
  const key = input.apiKey === undefined ? storedKey : input.apiKey;
  const envUrl = kind === 'embedding' ? base.EMBEDDING_BASE_URL : base.CHAT_BASE_URL;
  const envKey = kind === 'embedding' ? base.EMBEDDING_API_KEY : base.CHAT_API_KEY;
  const sameEndpoint = baseUrl === null || baseUrl === envUrl;
  return {
    kind,
    baseUrl: baseUrl ?? envUrl,
    model: model ?? (kind === 'embedding' ? base.EMBEDDING_MODEL : base.CHAT_MODEL),
    dimensions: dimensions ?? base.EMBEDDING_DIMENSIONS,
    apiKey: key ?? (sameEndpoint ? envKey : undefined),
    sendDimensions: base.EMBEDDING_SEND_DIMENSIONS,
  };
}

const RESPONSE_TOO_LARGE = Symbol.for('archon.ProviderResponseTooLarge');

class ResponseTooLargeError extends Error {
  readonly [RESPONSE_TOO_LARGE] = true;
  constructor(readonly limit: number) {
    super(`the response was larger than ${Math.round(limit / 1024)} kB`);
  }
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * fetch that follows no redirect (a provider answering 3xx is reported, not
 * followed to wherever it points) and fails a body over `maxBytes` while it
 * streams in, so a wrong URL serving a large file costs at most that much.
 */
export function boundedFetch(maxBytes: number, fetchImpl: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, { ...init, redirect: 'manual' });
    if (Number(res.headers.get('content-length')) > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new ResponseTooLargeError(maxBytes);
    }
    if (!res.body || NULL_BODY_STATUSES.has(res.status)) return res;
    let seen = 0;
    const limited = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, i = 0; e && i < 6; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
}

const tooLarge = (err: unknown) =>
  causes(err).find((e) => typeof e === 'object' && e !== null && RESPONSE_TOO_LARGE in e) as ResponseTooLargeError | undefined;

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_)/;

/** The network-level reason behind a failed connection, in words. */
function connectionReason(err: unknown): { code: 'unreachable' | 'tls'; reason: string } {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown })?.code;
    if (typeof code !== 'string') continue;
    if (TLS_CODES.test(code)) return { code: 'tls', reason: `its TLS certificate was refused (${code})` };
    switch (code) {
      case 'ECONNREFUSED':
        return { code: 'unreachable', reason: 'the connection was refused: nothing listens on that port (ECONNREFUSED)' };
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NONAME':
        return { code: 'unreachable', reason: `the host name does not resolve (${code})` };
      case 'ECONNRESET':
      case 'EPIPE':
      case 'UND_ERR_SOCKET':
        return { code: 'unreachable', reason: `the connection was closed without an answer (${code})` };
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return { code: 'unreachable', reason: `there is no route to that address (${code})` };
    }
  }
  const last = causes(err).at(-1);
  return { code: 'unreachable', reason: last instanceof Error ? last.message : 'the connection failed' };
}

function providerMessage(err: APIError): string {
  const body = err.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = body?.message ?? body?.error?.message;
  if (typeof message === 'string' && message.trim()) return message.trim();
  return err.message.replace(/^\d{3}\s*/, '').trim() || 'no message';
}

function describeFailure(
  err: unknown,
  target: Resolved & { baseUrl: string },
): { code: ProviderTestFailure; status: number | null; message: string } {
  const where = target.baseUrl;
  const seconds = Math.round(TEST_TIMEOUT_MS / 1000);
  const large = tooLarge(err);
  if (large)
    return { code: 'too_large', status: null, message: `${where} answered, but ${large.message}; check the base URL (it usually ends in /v1).` };
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError || (err as Error)?.name === 'TimeoutError') {
    return { code: 'timeout', status: null, message: `No answer from ${where} within ${seconds} s. Check the base URL and that the server is up.` };
  }
  if (err instanceof APIConnectionError) {
    const { code, reason } = connectionReason(err);
    return { code, status: null, message: `Could not reach ${where}: ${reason}. Check the base URL and that the server is running.` };
  }
  if (!(err instanceof APIError) || err.status === undefined) {
    return {
      code: 'bad_response',
      status: null,
      message: `${where} did not answer like an OpenAI-compatible API: ${(err as Error)?.message ?? String(err)}`,
    };
  }
  const status = err.status;
  const detail = `HTTP ${status}: ${providerMessage(err)}`;
  const model = target.model ?? '(none)';
  if (status >= 300 && status < 400) {
    const location = err.headers?.get('location');
    return {
      code: 'redirect',
      status,
      message: `${where} redirects${location ? ` to ${location}` : ''} (HTTP ${status}); enter the address it redirects to as the base URL.`,
    };
  }
  switch (status) {
    case 401:
      return {
        code: 'unauthorized',
        status,
        message: target.apiKey
          ? `${where} rejected the API key (${detail}). Enter a valid key for this provider.`
          : `${where} needs an API key (${detail}), and none is set for this address. Enter one.`,
      };
    case 403:
      return { code: 'forbidden', status, message: `${where} refused access (${detail}). Check that the key may use the model "${model}".` };
    case 404:
      return {
        code: 'model_not_found',
        status,
        message: `${where} has no model "${model}" (${detail}). Check the model name, and that the base URL ends in /v1.`,
      };
    case 429:
      return err.code === 'insufficient_quota'
        ? { code: 'quota', status, message: `${where} has no quota left (${detail}). Add credit to the account or use another key.` }
        : { code: 'rate_limited', status, message: `${where} is rate limiting this key (${detail}). Try again in a minute.` };
  }
  if (status === 400 && target.kind === 'embedding' && /dimension/i.test(providerMessage(err))) {
    return {
      code: 'wrong_dimensions',
      status,
      message: `${where} refused ${target.dimensions} dimensions for "${model}" (${detail}). Set the dimension to the model's own vector size.`,
    };
  }
  if (status === 400) return { code: 'bad_request', status, message: `${where} refused the request (${detail}). Check the model name.` };
  if (status >= 500) return { code: 'server_error', status, message: `${where} failed with ${detail}. The provider has a problem; try again later.` };
  return { code: 'http_error', status, message: `${where} answered ${detail}.` };
}

/** Provider messages sometimes quote the key they were sent; it never comes back to the browser. */
function redact(message: string, key: string | undefined): string {
  let out = key && key.length >= 4 ? message.split(key).join('[key]') : message;
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}

function decodeVector(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const buf = Buffer.from(raw, 'base64');
  if (buf.length % 4 !== 0) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  return Array.from({ length: buf.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

export type TestProviderOptions = { timeoutMs?: number; maxBytes?: number; fetch?: Fetch; now?: () => number };

/** Runs the test. Never throws for a provider problem: the answer says what went wrong. */
export async function testProviderConnection(
  base: ProviderBase,
  saved: SavedProviders,
  input: TestProviderInput,
  opts: TestProviderOptions = {},
): Promise<ProviderTestResult> {
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? TEST_TIMEOUT_MS;
  const resolved = resolveTestTarget(base, saved, input);
  const started = now();
  const elapsed = () => Math.round(now() - started);

  let request: { baseUrl: string; apiKey: string; model: string; sendDimensions: boolean };
  if (resolved.kind === 'embedding') {
    const settings = resolveEmbeddingSettings({
      baseURL: resolved.baseUrl,
      apiKey: resolved.apiKey,
      model: resolved.model,
      dimensions: resolved.dimensions,
      sendDimensions: resolved.sendDimensions,
    });
    if (settings.kind === 'hash') {
      const target = { kind: resolved.kind, baseUrl: null, model: HASH_EMBEDDER_MODEL, dimensions: resolved.dimensions, keySent: false };
      return {
        ok: true,
        target,
        latencyMs: 0,
        message: `No provider is set, so the offline embedder (${HASH_EMBEDDER_MODEL}, ${resolved.dimensions} dimensions) is used: it needs no network and matches words, not meaning.`,
      };
    }
    const o = settings.options;
    request = { baseUrl: o.baseURL, apiKey: o.apiKey, model: o.model, sendDimensions: o.sendDimensions };
  } else {
    // As createSummarizer: a key alone means OpenAI; a model is always needed.
    const baseUrl = resolved.baseUrl ?? (resolved.apiKey ? DEFAULT_BASE_URL : undefined);
    if (!baseUrl || !resolved.model) {
      const target = { kind: resolved.kind, baseUrl: baseUrl ?? null, model: resolved.model ?? null, dimensions: null, keySent: false };
      return {
        ok: false,
        target,
        latencyMs: 0,
        code: 'not_configured',
        status: null,
        message: !resolved.model
          ? 'No chat model is set. Enter a model name (and a base URL, or a key for OpenAI).'
          : 'No chat provider is set. Enter a base URL, or a key for OpenAI.',
      };
    }
    request = { baseUrl, apiKey: resolved.apiKey ?? 'not-needed', model: resolved.model, sendDimensions: false };
  }

  const keySent = Boolean(resolved.apiKey);
  const target: ProviderTestTarget = {
    kind: resolved.kind,
    baseUrl: request.baseUrl,
    model: request.model,
    dimensions: resolved.kind === 'embedding' ? resolved.dimensions : null,
    keySent,
  };
  const client = new OpenAI({
    baseURL: request.baseUrl,
    apiKey: request.apiKey,
    timeout: timeoutMs,
    maxRetries: 0,
    fetch: boundedFetch(opts.maxBytes ?? TEST_MAX_RESPONSE_BYTES, opts.fetch),
    // Otherwise OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment would be sent to any provider.
    organization: null,
    project: null,
  });
  // The SDK's timeout covers the wait for headers; this one covers reading the body too.
  const signal = AbortSignal.timeout(timeoutMs);
  const fail = (code: ProviderTestFailure, message: string, status: number | null = null): ProviderTestResult => ({
    ok: false,
    target,
    latencyMs: elapsed(),
    code,
    status,
    message: redact(message, resolved.apiKey),
  });

  try {
    if (resolved.kind === 'embedding') {
      const res = (await client.embeddings.create(
        {
          model: request.model,
          input: [TEST_INPUT],
          encoding_format: 'base64',
          ...(request.sendDimensions ? { dimensions: resolved.dimensions } : {}),
        },
        { signal },
      )) as unknown as { data?: { embedding?: unknown }[] };
      const first = Array.isArray(res?.data) ? res.data[0] : undefined;
      if (!first) {
        return fail(
          'bad_response',
          `${request.baseUrl} answered, but not like an OpenAI-compatible embeddings API (no "data" list). Check the base URL (it usually ends in /v1).`,
        );
      }
      const vector = decodeVector(first.embedding);
      if (Array.isArray(vector) && vector.length !== resolved.dimensions) {
        const ignored = request.sendDimensions ? ` (it ignored the requested ${resolved.dimensions})` : '';
        return fail(
          'wrong_dimensions',
          `"${request.model}" returns ${vector.length}-dimensional vectors${ignored}, but the dimension is set to ${resolved.dimensions}. Set the dimension to ${vector.length}, or choose a ${resolved.dimensions}-dimensional model.`,
        );
      }
      try {
        validateVector(vector, resolved.dimensions);
      } catch (err) {
        return fail('bad_response', `"${request.model}" at ${request.baseUrl} returned an unusable vector: ${(err as Error).message}.`);
      }
      const ms = elapsed();
      return {
        ok: true,
        target,
        latencyMs: ms,
        message: `Connected: "${request.model}" returned a ${resolved.dimensions}-dimensional vector in ${ms} ms.`,
      };
    }
    const res = (await client.chat.completions.create(
      { model: request.model, messages: [{ role: 'user', content: 'Reply with the single word OK.' }] },
      { signal },
    )) as unknown as { choices?: { message?: { content?: unknown } }[] };
    if (!Array.isArray(res?.choices)) {
      return fail(
        'bad_response',
        `${request.baseUrl} answered, but not like an OpenAI-compatible chat API (no "choices"). Check the base URL (it usually ends in /v1).`,
      );
    }
    const ms = elapsed();
    return { ok: true, target, latencyMs: ms, message: `Connected: "${request.model}" answered in ${ms} ms.` };
  } catch (err) {
    const failure = describeFailure(err, { ...resolved, baseUrl: request.baseUrl, model: request.model });
    return fail(failure.code, failure.message, failure.status);
  }
}
