import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { NetworkPolicy } from '../ingest/ingest-deps';
import { FetchError } from './fetch-error';
import {
  createHostLimiters,
  type FetchStats,
  type HostTicket,
  type OverloadKind,
  overloadOfError,
  overloadOfStatus,
  parseRetryAfter,
  SLOW_CONNECT_MS,
} from './host-pacer';
import { readBody } from './read-body';
import { BlockedAddressError, resolveAndCheck } from './ssrf';

export { FetchError, type FetchErrorKind } from './fetch-error';

export const DEFAULT_ACCEPT = 'text/markdown, text/html;q=0.9, text/plain;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.1';

export type FetchOptions = {
  policy: NetworkPolicy;
  /** For the whole redirect chain, bodies included. */
  timeoutMs: number;
  /** Limit on the body after decompression. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  accept?: string;
  headers?: Record<string, string>;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  signal?: AbortSignal;
  /**
   * Paces requests per host with adaptive concurrency, at most this many in
   * flight to one host (see host-pacer.ts); without it requests go out at once.
   */
  hostConcurrency?: number;
  /** How many times a request is sent again when the host shows overload: connection refused or reset, 429, 503. */
  retries?: number;
  /** Counts requests, retries, connections and overloads, for the job log. */
  stats?: FetchStats;
};

export type FetchResult = {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  /** Lower-cased MIME type without parameters; '' when the server sent none. */
  contentType: string;
  charset: string | null;
  body: Buffer;
  /** Every URL that answered with a redirect, in order: the chain is [...redirects, finalUrl]. */
  redirects: string[];
  notModified: boolean;
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Credentials meant for one site must not follow a redirect to another.
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

type Pinned = { address: string; family: 4 | 6 };
type PinnedRequestOptions = http.RequestOptions & { pinned: Pinned };

// The agent itself connects to the address the check returned, whatever host
// or lookup a request carries, so no resolution happens between check and
// connect. Host and SNI (servername, set by the agent from the Host header)
// still carry the name, and the certificate is checked against it.
function toPinnedAddress(options: http.ClientRequestArgs): http.ClientRequestArgs {
  const pinned = (options as PinnedRequestOptions).pinned;
  if (!pinned) throw new Error("The crawler's agent only connects to an address the network policy checked");
  const lookup: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  return { ...options, host: pinned.address, family: pinned.family, lookup };
}

// Sockets are pooled per host, port and the address that passed the check, so
// a kept-alive connection is never reused for an address checked differently.
class PinnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    return `${super.getName(options)}|${(options as PinnedRequestOptions | undefined)?.pinned?.address ?? ''}`;
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) {
    return super.createConnection(toPinnedAddress(options), callback);
  }
}
class PinnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions): string {
    return `${super.getName(options)}|${(options as PinnedRequestOptions | undefined)?.pinned?.address ?? ''}`;
  }
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void) {
    return super.createConnection(toPinnedAddress(options), callback);
  }
}
/** The crawler's agents, exported for tests: every request through them must carry `pinned`, the checked address. */
export const agents = { http: new PinnedHttpAgent({ keepAlive: true }), https: new PinnedHttpsAgent({ keepAlive: true }) };

const hostLimiter = createHostLimiters();

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

const portOf = (url: URL) => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);

type Sent = { res: http.IncomingMessage; connectMs: number | null };

function send(url: URL, pinned: Pinned, headers: Record<string, string>, signal: AbortSignal, stats?: FetchStats, retries = 0): Promise<Sent> {
  const secure = url.protocol === 'https:';
  const options: PinnedRequestOptions = {
    method: 'GET',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    headers,
    signal,
    agent: secure ? agents.https : agents.http,
    pinned,
  };
  return new Promise((resolve, reject) => {
    let connectMs: number | null = null;
    const req = (secure ? https : http).request(options, (res) => resolve({ res, connectMs }));
    req.on('socket', (socket) => {
      if (req.reusedSocket) return;
      if (stats) stats.connections++;
      if (!socket.connecting) return;
      const started = performance.now();
      socket.once('connect', () => {
        connectMs = performance.now() - started;
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A keep-alive socket the server closed while it sat idle fails the next
      // request sent on it, before any answer: a GET is safe to send again.
      if (req.reusedSocket && err.code === 'ECONNRESET' && !signal.aborted && retries < STALE_SOCKET_RETRIES) {
        resolve(send(url, pinned, headers, signal, stats, retries + 1));
      } else {
        reject(err);
      }
    });
    req.end();
  });
}
const STALE_SOCKET_RETRIES = 3;

// Without a Retry-After, an overloaded host is given 0.25 s, 0.5 s, 1 s … (±25%) before a request is sent again.
const backoffMs = (attempt: number) => Math.min(250 * 2 ** attempt, 8_000) * (0.75 + Math.random() * 0.5);

/** The overall timeout, paused while a request waits its turn at the host, which is no fault of the server's. */
type Clock = { outside<T>(promise: Promise<T>): Promise<T>; clear(): void };

function pausableTimeout(ms: number, onTimeout: () => void): Clock {
  let remaining = ms;
  let since = performance.now();
  let timer: NodeJS.Timeout | undefined = setTimeout(onTimeout, ms);
  let cleared = false;
  return {
    async outside(promise) {
      clearTimeout(timer);
      remaining -= performance.now() - since;
      try {
        return await promise;
      } finally {
        since = performance.now();
        if (!cleared) timer = setTimeout(onTimeout, Math.max(0, remaining));
      }
    },
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
  };
}

function noteOverload(stats: FetchStats | undefined, kind: OverloadKind) {
  if (stats) stats.overloads[kind] = (stats.overloads[kind] ?? 0) + 1;
}

const isTimeout = (reason: unknown) => reason instanceof FetchError && reason.kind === 'timeout';

/**
 * Sends one hop. With `hostConcurrency`, it waits for a slot at the host's
 * limiter and tells it how the host coped; on an overload (refused, reset,
 * 429, 503) it sends again up to `retries` times, after the server's
 * Retry-After or a backoff. The ticket is for the caller to end once the body
 * is read.
 */
async function sendPolitely(
  url: URL,
  pinned: Pinned,
  headers: Record<string, string>,
  opts: FetchOptions,
  signal: AbortSignal,
  clock: Clock,
): Promise<{ res: http.IncomingMessage; ticket: HostTicket | null }> {
  const { stats } = opts;
  const limiter = opts.hostConcurrency ? hostLimiter(url.host, opts.hostConcurrency) : null;
  for (let attempt = 0; ; attempt++) {
    const ticket = limiter ? await clock.outside(limiter.acquire(signal)) : null;
    if (stats) {
      stats.requests++;
      stats.firstAt ||= Date.now();
      if (limiter) {
        stats.maxInFlight = Math.max(stats.maxInFlight, limiter.inFlight);
        stats.limit = Math.floor(limiter.limit);
      }
    }
    const canRetry = attempt < (opts.retries ?? 0);
    let sent: Sent;
    try {
      sent = await send(url, pinned, headers, signal, stats);
    } catch (err) {
      const kind = signal.aborted ? (isTimeout(signal.reason) ? 'timeout' : null) : overloadOfError(err);
      if (kind) {
        noteOverload(stats, kind);
        ticket?.overload();
      }
      ticket?.end('error');
      if (!kind || signal.aborted || !canRetry) throw err;
      if (stats) stats.retries++;
      await clock.outside(sleep(backoffMs(attempt), signal));
      continue;
    }
    const { res, connectMs } = sent;
    // A SYN retransmit: the accept queue overflowed. The request goes on, but the host is asking for less.
    if (connectMs !== null && connectMs >= SLOW_CONNECT_MS) {
      noteOverload(stats, 'slow connect');
      ticket?.overload();
    }
    const kind = overloadOfStatus(res.statusCode ?? 0);
    if (!kind) return { res, ticket };
    const wait = parseRetryAfter(res.headers['retry-after']);
    noteOverload(stats, kind);
    ticket?.overload(wait);
    ticket?.end('error');
    if (!canRetry) return { res, ticket };
    // An overloaded server's error page is not worth reading; the socket goes with it.
    res.destroy();
    if (stats) stats.retries++;
    // With a limiter, Retry-After pauses the whole host and acquire waits it out.
    if (!wait) await clock.outside(sleep(backoffMs(attempt), signal));
    else if (!limiter) await clock.outside(sleep(wait, signal));
  }
}

function parseContentType(value: string | undefined): { contentType: string; charset: string | null } {
  if (!value) return { contentType: '', charset: null };
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(value)?.[1]?.toLowerCase() ?? null;
  return { contentType: (value.split(';')[0] ?? '').trim().toLowerCase(), charset };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function requestHeaders(opts: FetchOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': opts.userAgent,
    accept: opts.accept ?? DEFAULT_ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  if (opts.ifNoneMatch) headers['if-none-match'] = opts.ifNoneMatch;
  if (opts.ifModifiedSince) headers['if-modified-since'] = opts.ifModifiedSince;
  return headers;
}

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new FetchError('network', text, `Invalid URL ${JSON.stringify(text)}${base ? ` in a redirect from ${base.href}` : ''}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const from = base ? ` (redirected from ${base.href})` : '';
    throw new FetchError('unsupported-protocol', url.href, `Cannot fetch ${url.href}${from}: only http and https are supported`);
  }
  url.hash = '';
  return url;
}

type Chain = { current: string };

async function follow(start: string, opts: FetchOptions, signal: AbortSignal, chain: Chain, clock: Clock): Promise<FetchResult> {
  let url = parseHttpUrl(start);
  const origin = url.origin;
  const baseHeaders = requestHeaders(opts);
  const redirects: string[] = [];
  const seen = new Set<string>();
  for (;;) {
    chain.current = url.href;
    seen.add(url.href);
    const pinned = await untilAborted(resolveAndCheck(url.hostname, portOf(url), opts.policy), signal);
    const sent = { ...baseHeaders };
    if (url.origin !== origin) for (const name of ORIGIN_BOUND_HEADERS) delete sent[name];
    const { res, ticket } = await sendPolitely(url, pinned, sent, opts, signal, clock);
    try {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;

      if (REDIRECT_STATUSES.has(status) && location) {
        // Redirect bodies are never read; dropping the socket is cheaper than draining an unbounded one.
        res.destroy();
        const next = parseHttpUrl(location, url);
        if (seen.has(next.href)) {
          const message = `Redirect loop fetching ${start}: ${url.href} redirects back to ${next.href}`;
          throw new FetchError('redirect-loop', url.href, message);
        }
        if (redirects.length >= opts.maxRedirects) {
          const message = `More than ${opts.maxRedirects} redirects fetching ${start} (last: ${url.href} → ${next.href})`;
          throw new FetchError('too-many-redirects', url.href, message);
        }
        redirects.push(url.href);
        url = next;
        continue;
      }

      const { contentType, charset } = parseContentType(res.headers['content-type']);
      const headers = flattenHeaders(res.headers);
      const result = { url: start, finalUrl: url.href, status, headers, contentType, charset, redirects };
      if (status === 304) {
        res.destroy();
        return { ...result, body: Buffer.alloc(0), notModified: true };
      }
      const declared = Number(res.headers['content-length']);
      if (declared > opts.maxBytes) {
        res.destroy();
        const message = `${url.href} is ${declared} bytes, above the ${opts.maxBytes}-byte limit`;
        throw new FetchError('too-large', url.href, message);
      }
      const body = await readBody(res, { url: url.href, maxBytes: opts.maxBytes, signal });
      return { ...result, body, notModified: false };
    } catch (err) {
      // A reset or timeout while the body arrives is the host struggling too.
      if (overloadOfError(err) || (signal.aborted && isTimeout(signal.reason))) ticket?.overload();
      ticket?.end('error');
      throw err;
    } finally {
      ticket?.end('ok');
    }
  }
}

/**
 * GETs a URL for the crawler: every hop is checked against the network policy
 * and connected to exactly the address that was checked; redirects, size and
 * time are bounded (time spent waiting for a turn at the host is not counted).
 * HTTP error statuses are returned, not thrown.
 */
export async function fetchUrl(url: string, opts: FetchOptions): Promise<FetchResult> {
  const chain: Chain = { current: url };
  const controller = new AbortController();
  const clock = pausableTimeout(opts.timeoutMs, () => {
    const message = `Timed out after ${opts.timeoutMs} ms fetching ${chain.current}`;
    controller.abort(new FetchError('timeout', chain.current, message));
  });
  const onAbort = () => controller.abort(new FetchError('aborted', chain.current, `Fetching ${chain.current} was cancelled`));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await follow(url, opts, controller.signal, chain, clock);
  } catch (err) {
    if (controller.signal.aborted) throw controller.signal.reason;
    if (err instanceof FetchError) throw err;
    if (err instanceof BlockedAddressError) {
      const via = chain.current === url ? '' : ` (redirected from ${url})`;
      throw new FetchError('blocked', chain.current, `Blocked ${chain.current}${via}: ${err.message}`, { cause: err });
    }
    const message = `Network error fetching ${chain.current}: ${(err as Error).message}`;
    throw new FetchError('network', chain.current, message, { cause: err });
  } finally {
    clock.clear();
    if (opts.stats) opts.stats.lastAt = Date.now();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
