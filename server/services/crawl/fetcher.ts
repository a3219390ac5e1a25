import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { NetworkPolicy } from '../ingest/ingest-deps';
import { FetchError } from './fetch-error';
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
type PinnedRequestOptions = http.RequestOptions & { pinnedAddress: string };

// Sockets are pooled per host, port and the address that passed the check, so
// a kept-alive connection is never reused for an address checked differently.
class PinnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    return `${super.getName(options)}|${(options as PinnedRequestOptions | undefined)?.pinnedAddress ?? ''}`;
  }
}
class PinnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions): string {
    return `${super.getName(options)}|${(options as PinnedRequestOptions | undefined)?.pinnedAddress ?? ''}`;
  }
}
const agents = { http: new PinnedHttpAgent({ keepAlive: true }), https: new PinnedHttpsAgent({ keepAlive: true }) };

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

const portOf = (url: URL) => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);

function send(url: URL, pinned: Pinned, headers: Record<string, string>, signal: AbortSignal, retries = 0): Promise<http.IncomingMessage> {
  const secure = url.protocol === 'https:';
  // Connect to the address that was checked; Host and SNI still carry the hostname.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const options: PinnedRequestOptions = {
    method: 'GET',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    headers,
    lookup,
    signal,
    agent: secure ? agents.https : agents.http,
    pinnedAddress: pinned.address,
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, resolve);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A keep-alive socket the server closed while it sat idle fails the next
      // request sent on it, before any answer: a GET is safe to send again.
      if (req.reusedSocket && err.code === 'ECONNRESET' && !signal.aborted && retries < STALE_SOCKET_RETRIES) {
        resolve(send(url, pinned, headers, signal, retries + 1));
      } else {
        reject(err);
      }
    });
    req.end();
  });
}
const STALE_SOCKET_RETRIES = 3;

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

async function follow(start: string, opts: FetchOptions, signal: AbortSignal, chain: Chain): Promise<FetchResult> {
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
    const res = await send(url, pinned, sent, signal);
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
  }
}

/**
 * GETs a URL for the crawler: every hop is checked against the network policy
 * and connected to exactly the address that was checked; redirects, size and
 * time are bounded. HTTP error statuses are returned, not thrown.
 */
export async function fetchUrl(url: string, opts: FetchOptions): Promise<FetchResult> {
  const chain: Chain = { current: url };
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const message = `Timed out after ${opts.timeoutMs} ms fetching ${chain.current}`;
    controller.abort(new FetchError('timeout', chain.current, message));
  }, opts.timeoutMs);
  const onAbort = () => controller.abort(new FetchError('aborted', chain.current, `Fetching ${chain.current} was cancelled`));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await follow(url, opts, controller.signal, chain);
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
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
