import { createTRPCClient, createWSClient, httpBatchLink, splitLink, type TRPCClient, TRPCClientError, type TRPCLink, wsLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import type { AppRouter, ImportResult, UploadJob } from './router.js';

/** A WebSocket class: the `ws` package's in Node 20 (Node 22+ and browsers have a global one). */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => unknown;

export type ArchonClientOptions = {
  /** Archon's address, e.g. http://127.0.0.1:3737 (not its /mcp or /api endpoint). */
  url: string;
  /** An API key (`ak_…`), created in the dashboard or with `archon keys create`. */
  apiKey: string;
  /** The WebSocket class for subscriptions where there is no global one (Node 20): `import WebSocket from 'ws'`. */
  ws?: WebSocketClass;
  /** Another fetch (a proxy agent, a test double); the global one by default. */
  fetch?: typeof fetch;
  /** The live connection's state, for a connection indicator: it reconnects on its own, and subscriptions resume where they stopped. */
  onConnection?: (state: 'open' | 'closed') => void;
};

/** A file to upload: a path on disk (Node only, streamed from disk), a Blob or File, or bytes or text with a name. */
export type UploadFile = string | Blob | { name: string; data: Blob | Uint8Array | string };

export type UploadOptions = {
  /** The new source's title; by default the first file's name. */
  title?: string;
  knowledgeType?: 'technical' | 'business';
  tags?: string[];
  /** Adds the files to this existing upload source instead of creating one. */
  sourceId?: string;
  signal?: AbortSignal;
};

/** An archive to import: a path (Node only, streamed from disk), a Blob, bytes, or a stream of bytes. */
export type ArchiveInput = string | Blob | Uint8Array | ReadableStream<Uint8Array>;

export type ImportOptions = {
  /** When the archive's source exists: refuse (default), replace its content, or import a copy under a new id. */
  onConflict?: 'error' | 'replace' | 'copy';
  signal?: AbortSignal;
};

export type ExportOptions = {
  /** false leaves the vectors out: a smaller archive, re-embedded on import. */
  embeddings?: boolean;
  signal?: AbortSignal;
};

/** A source archive as it downloads: gzipped JSON lines, read as it arrives. */
export type SourceArchive = { filename: string; stream: ReadableStream<Uint8Array> };

/** The typed helpers for Archon's plain HTTP routes, beside the tRPC procedures. */
export type ArchonHelpers = {
  /** Uploads documents (multipart, streamed) and answers with the upload job; follow it with `jobs.onProgress`. */
  uploadFiles(files: UploadFile[], options?: UploadOptions): Promise<UploadJob>;
  /** Downloads a source as a portable archive, as a stream. */
  exportSource(sourceId: string, options?: ExportOptions): Promise<SourceArchive>;
  /** Imports a source archive (made by `exportSource`) and answers with what was stored. */
  importSource(archive: ArchiveInput, options?: ImportOptions): Promise<ImportResult>;
  /** Closes the WebSocket, if one was opened, so a script can end. */
  close(): Promise<void>;
};

/** Archon's API: every tRPC procedure (`archon.knowledge.search.query(…)`), and the helpers. */
export type ArchonClient = TRPCClient<AppRouter> & ArchonHelpers;

/** A refusal or failure of one of Archon's plain HTTP routes, as the server words it. */
export class ArchonHttpError extends Error {
  override name = 'ArchonHttpError';
  constructor(
    message: string,
    readonly status: number,
    /** The server's code: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, TOO_MANY_REQUESTS, … */
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A subscription in a runtime with no WebSocket and none passed as `ws`: nothing was asked of Archon. */
class NoWebSocketError extends Error {
  override name = 'NoWebSocketError';
}

/**
 * The code of any error the client throws: a tRPC procedure's (NOT_FOUND,
 * UNAUTHORIZED, …), a plain route's, NETWORK when Archon could not be reached,
 * or NO_WEBSOCKET for a subscription with no WebSocket to use (pass `ws`).
 */
export function errorCode(err: unknown): string {
  if (err instanceof ArchonHttpError) return err.code;
  if (err instanceof TRPCClientError) {
    const code = (err.data as { code?: string } | undefined)?.code;
    if (code) return code;
    return err.cause instanceof NoWebSocketError ? 'NO_WEBSOCKET' : 'NETWORK';
  }
  if (err instanceof TypeError && /fetch failed|Failed to fetch|NetworkError/i.test(err.message)) return 'NETWORK';
  return 'UNKNOWN';
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A plain route's JSON job with its timestamps (`createdAt`, `finishedAt`, …) as Dates, as tRPC gives them. */
function withDates(job: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...job };
  for (const [key, value] of Object.entries(out))
    if (key.endsWith('At') && typeof value === 'string' && ISO_DATE.test(value)) out[key] = new Date(value);
  return out;
}

/** How a file is read in this environment: the Node entry opens paths as file-backed Blobs. */
export type OpenFile = (path: string) => Promise<{ name: string; blob: Blob }>;

const noDisk: OpenFile = async (path) => {
  throw new TypeError(`Cannot read ${path}: file paths work in Node only; pass a Blob or File here`);
};

/** Where there is no WebSocket (Node 20 without `ws`), queries and mutations work and a subscription says what is missing. */
const noWebSocket: TRPCLink<AppRouter> = () => () =>
  observable((observer) => {
    observer.error(
      TRPCClientError.from(
        new NoWebSocketError(
          "Subscriptions need a WebSocket, and this runtime has none: pass `ws` (import WebSocket from 'ws') to createArchonClient",
        ),
      ),
    );
  });

const baseOf = (url: string) => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url must be Archon's address, such as http://127.0.0.1:3737; got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`url must be http:// or https://, got ${url}`);
  if (/\/(mcp|api(\/trpc)?)\/?$/.test(parsed.pathname)) throw new TypeError(`url is Archon's own address, without ${parsed.pathname}`);
  return url.replace(/\/+$/, '');
};

/** The client, given how files are opened (src/node.ts reads them from disk; src/index.ts cannot). */
export function createClient(options: ArchonClientOptions, openFile: OpenFile = noDisk): ArchonClient {
  const base = baseOf(options.url);
  if (typeof options.apiKey !== 'string' || !options.apiKey.trim())
    throw new TypeError('apiKey is required: create one in the dashboard or with `archon keys create`');
  const apiKey = options.apiKey.trim();
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const WebSocketImpl = options.ws ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  const auth = { authorization: `Bearer ${apiKey}` };

  // Opened at the first subscription and closed a while after the last, so a script that only queries never opens it.
  const wsClient = WebSocketImpl
    ? createWSClient({
        url: `${base.replace(/^http/, 'ws')}/api/trpc-ws`,
        WebSocket: WebSocketImpl as unknown as typeof globalThis.WebSocket,
        connectionParams: () => ({ apiKey }),
        lazy: { enabled: true, closeMs: 3_000 },
        // A dead connection (a server gone, a laptop asleep) is noticed within 20 s and replaced.
        keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
        retryDelayMs: (attempt) => Math.min(300 * 2 ** attempt, 5_000),
        onOpen: () => options.onConnection?.('open'),
        onClose: () => options.onConnection?.('closed'),
      })
    : null;
  // After a reconnect wsLink resubscribes with the last tracked() id it saw as lastEventId: no event is lost or repeated.
  const subscriptions: TRPCLink<AppRouter> = wsClient ? wsLink<AppRouter>({ client: wsClient, transformer: superjson }) : noWebSocket;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptions,
        // Queries as POST too: inputs the schemas allow (a 2,000-character CJK search, a 4,096-character page URL) made a
        // GET address past Node's 16 KiB request head, which the server answered with an empty 431.
        false: httpBatchLink<AppRouter>({
          url: `${base}/api/trpc`,
          transformer: superjson,
          methodOverride: 'POST',
          headers: () => auth,
          fetch: doFetch,
        }),
      }),
    ],
  });

  const send = async (path: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> => {
    const res = await doFetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let body: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not Archon's JSON (a proxy's page): said below with the status.
    }
    const message = body.error?.message ?? `Archon answered ${res.status} ${res.statusText} to ${path}`;
    throw new ArchonHttpError(message, res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.details);
  };

  const blobOf = async (file: UploadFile): Promise<{ name: string; blob: Blob }> => {
    if (typeof file === 'string') return openFile(file);
    if (file instanceof Blob) {
      const name = (file as { name?: unknown }).name;
      if (typeof name !== 'string' || !name) throw new TypeError('A Blob to upload needs a name: pass a File, or { name, data }');
      return { name, blob: file };
    }
    const { name, data } = file;
    return { name, blob: data instanceof Blob ? data : new Blob([data as BlobPart]) };
  };

  const helpers: ArchonHelpers = {
    async uploadFiles(files, opts = {}) {
      if (!Array.isArray(files) || files.length === 0) throw new TypeError('uploadFiles needs at least one file');
      const form = new FormData();
      if (opts.title) form.append('title', opts.title);
      if (opts.knowledgeType) form.append('knowledgeType', opts.knowledgeType);
      if (opts.sourceId) form.append('sourceId', opts.sourceId);
      for (const tag of opts.tags ?? []) form.append('tags', tag);
      for (const file of files) {
        const { name, blob } = await blobOf(file);
        form.append('file', blob, name);
      }
      const res = await send('/api/uploads', { method: 'POST', body: form, signal: opts.signal });
      return withDates((await res.json()) as Record<string, unknown>) as UploadJob;
    },
    async exportSource(sourceId, opts = {}) {
      const query = opts.embeddings === false ? '?embeddings=0' : '';
      const res = await send(`/api/sources/${encodeURIComponent(sourceId)}/export${query}`, { method: 'GET', signal: opts.signal });
      const disposition = res.headers.get('content-disposition') ?? '';
      const filename = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
      return { filename: filename ? decodeURIComponent(filename) : `${sourceId}.archon.jsonl.gz`, stream: res.body as ReadableStream<Uint8Array> };
    },
    async importSource(archive, opts = {}) {
      const body =
        typeof archive === 'string' ? (await openFile(archive)).blob : archive instanceof Uint8Array ? new Blob([archive as BlobPart]) : archive;
      const query = `?onConflict=${encodeURIComponent(opts.onConflict ?? 'error')}`;
      const res = await send(`/api/sources/import${query}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/gzip' },
        signal: opts.signal,
        // A stream body must say so to fetch (Node's undici and browsers alike).
        ...(body instanceof ReadableStream ? { duplex: 'half' as const } : {}),
      });
      return (await res.json()) as ImportResult;
    },
    close: async () => {
      await wsClient?.close();
    },
  };

  return new Proxy(trpc as object, {
    get: (target, key, receiver) =>
      typeof key === 'string' && Object.hasOwn(helpers, key) ? helpers[key as keyof ArchonHelpers] : Reflect.get(target, key, receiver),
  }) as ArchonClient;
}
