import { randomUUID } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, isJSONRPCRequest, type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { dispatch as inngestDispatch } from '../../inngest/dispatch';
import { isAppError } from '../errors';
import { CHANNELS, type McpNotice, notify } from '../realtime/channels';
import type { Runtime } from '../runtime/runtime';
import type { Dispatch } from '../schemas/job-events';
import type { Actor } from '../services/auth/actor';
import { hostAllowed, sameOrigin } from '../services/auth/authenticate';
import { identifyCaller, refusal } from '../services/auth/authorize';
import { callerLimits, limitCaller } from '../services/auth/limit-caller';
import type { Principal } from '../services/auth/principal';
import { isRevoked, parseRevocation } from '../services/auth/revocations';
import { plainErrorMessage } from './errors';
import { boundInitParams, type InitParams } from './init-params';
import { createLocalBackend } from './local-backend';
import { buildMcpServer } from './server';
import {
  closeSession,
  closeSessionsOf,
  countOpenSessions,
  createSession,
  openSession,
  openSessionsOf,
  pruneSessions,
  SESSION_IDLE_MS,
  type SessionRow,
} from './session-store';
import type { RequestExtra } from './tool';

export const MCP_PATH = '/mcp';
/**
 * Room for any call: rag_upload_document's largest `content` (3,000,000 bytes
 * of UTF-8) even if every byte needed a two-character JSON escape, or its
 * largest `content_base64`. Larger files go to POST /api/uploads.
 */
export const MCP_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** A POST without a session can only be `initialize`, whose params are kept to a few kilobytes. */
export const MCP_MAX_INIT_BODY_BYTES = 64 * 1024;
/** How long a request's body may take to arrive. */
export const MCP_BODY_TIMEOUT_MS = 30_000;
/** Open sessions per API key; opening one more ends the least recently used. */
export const MCP_MAX_SESSIONS_PER_KEY = 32;
/** Request ids (strings) longer than this are refused: they are echoed, logged and sent between processes. */
const MAX_REQUEST_ID_CHARS = 200;
/** A process drops its copy of a session nobody used for this long (the row stays; any process rebuilds it on the next request). */
const LIVE_IDLE_MS = 5 * 60_000;
const SWEEP_MS = 30_000;
const PRUNE_EVERY_MS = 3_600_000;
/** What is read of an anonymous caller's body before its connection is cut, and for how long at most. */
const ANONYMOUS_BODY_BYTES = 64 * 1024;
const ANONYMOUS_BODY_MS = 2_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

type Live = {
  id: string;
  keyId: string;
  userId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
  busy: number;
  /** Requests of this session running here, by id: a second request with one of these ids is refused. */
  inflight: Map<string, string | number>;
  /** Ends the session when its key expires. */
  expiry?: NodeJS.Timeout;
};

export type McpHttpOptions = {
  dispatch?: Dispatch;
  /** Resources per resources/list answer (100). */
  resourcesPerList?: number;
  /** How long an unused session stays in this process's memory (5 min), and how often that is checked (30 s). */
  liveIdleMs?: number;
  sweepMs?: number;
  /** How long a body may take to arrive (MCP_BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
  /** Open sessions per key (MCP_MAX_SESSIONS_PER_KEY). */
  maxSessionsPerKey?: number;
  /** How often a waiting tool call sends progress while its job is quiet (15 s). */
  progressHeartbeatMs?: number;
};

export type McpHttpHandler = {
  handle(req: Request): Promise<Response>;
  /**
   * Ends every session's streams in this process, after letting running tool
   * calls finish for up to `graceMs`. The rows stay open: the client's next
   * request rebuilds its session in another process, or after a restart.
   */
  close(graceMs?: number): Promise<void>;
  /** Sessions held in this process's memory. */
  stats(): { live: number };
};

const jsonRpcError = (status: number, code: number, message: string, opts: { headers?: Record<string, string>; id?: string | number | null } = {}) =>
  Response.json(
    { jsonrpc: '2.0', error: { code, message }, id: opts.id ?? null },
    { status, headers: { 'cache-control': 'no-store', ...opts.headers } },
  );

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** 1 and "1" are different JSON-RPC ids. */
const idKey = (id: string | number) => `${typeof id}:${id}`;

/**
 * Reads a body within a size and a time bound. Past either, the caller answers
 * (413, 408) and the rest of the body is dropped: a too large one is read and
 * thrown away up to twice the largest body, so a client still sending sees the
 * answer rather than a reset, then the connection is cut; a stalled one is cut.
 */
async function readBody(req: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array | 'too-large' | 'timeout'> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    dropBody(req.body?.getReader(), 2 * MCP_MAX_BODY_BYTES, timeoutMs);
    return 'too-large';
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === 'timeout') {
        dropBody(reader, 0, 0);
        return 'timeout';
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) {
        dropBody(reader, 2 * MCP_MAX_BODY_BYTES, timeoutMs);
        return 'too-large';
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Throws away the rest of a body nobody will read, in the background: up to
 * `maxBytes` within `withinMs`, then the connection is cut (not before the
 * answer has had a moment to leave). Without this a stalled or slow client
 * would hold its connection until Node's own request timeout.
 */
function dropBody(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, maxBytes: number, withinMs: number) {
  if (!reader) return;
  const started = Date.now();
  void (async () => {
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), withinMs);
      timer.unref();
    });
    try {
      for (;;) {
        const next = await Promise.race([reader.read(), deadline]);
        if (next === 'timeout') break;
        if (next.done) return;
        seen += next.value.byteLength;
        if (seen > maxBytes) break;
      }
    } finally {
      clearTimeout(timer);
    }
    const wait = 250 - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    await reader.cancel();
  })().catch(() => {});
}

/**
 * The MCP endpoint over streamable HTTP (the web-standard transport of the
 * official SDK), for the server entry to route `/mcp` to.
 *
 * Sessions are rows in Postgres (`mcp_sessions`), so a client's requests may
 * reach any Archon process on the database: a process that has not seen a
 * session yet rebuilds it from its row, replaying the stored initialize
 * request. The row is read on every request, so a session closed anywhere
 * (DELETE, revoked key, idle 24 h) is 404 everywhere. A request is answered
 * on its own POST's event stream by the process it reached; a client's
 * cancellation travels by NOTIFY to whichever process runs the request, as
 * does a session's end to whichever holds its GET stream.
 *
 * What one key can hold is bounded: sessions opened per minute (a rate
 * limit), open sessions (the least recently used is ended), the initialize
 * params each keeps, and how long an unused one stays in memory.
 */
export async function createMcpHttpHandler(runtime: Runtime, opts: McpHttpOptions = {}): Promise<McpHttpHandler> {
  const { logger } = runtime;
  const db = () => runtime.database.db;
  const dispatch = opts.dispatch ?? inngestDispatch;
  const liveIdleMs = opts.liveIdleMs ?? LIVE_IDLE_MS;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? MCP_BODY_TIMEOUT_MS;
  const maxSessionsPerKey = opts.maxSessionsPerKey ?? MCP_MAX_SESSIONS_PER_KEY;
  const live = new Map<string, Live>();
  const opening = new Map<string, Promise<Live>>();
  let prunedAt = 0;

  const dropLive = (id: string) => {
    const session = live.get(id);
    live.delete(id);
    if (session) {
      clearTimeout(session.expiry);
      void session.transport.close().catch(() => {});
    }
  };

  /** Ends a session everywhere: its row, and its copy in whichever process holds one. */
  const endSession = async (id: string) => {
    dropLive(id);
    await closeSession(db(), id);
    await notify(db(), CHANNELS.mcp, { sessionId: id, kind: 'closed' });
  };

  const stopRevocations = await runtime.pubsub.subscribe(CHANNELS.revocations, (payload) => {
    const revocation = parseRevocation(payload);
    if (!revocation || (!revocation.keyId && !revocation.userId)) return;
    for (const session of live.values()) {
      if (isRevoked({ keyId: session.keyId, userId: session.userId } as Principal, revocation)) dropLive(session.id);
    }
    // Every process does this; the update is idempotent, and one of them is enough for all to answer 404.
    closeSessionsOf(db(), { keyId: revocation.keyId, userId: revocation.userId }).catch((err: unknown) =>
      logger.error('could not close the MCP sessions of revoked credentials', { error: err as Error }),
    );
  });
  const stopNotices = await runtime.pubsub.subscribe(CHANNELS.mcp, (payload) => {
    let notice: McpNotice;
    try {
      notice = JSON.parse(payload) as McpNotice;
    } catch {
      return;
    }
    const session = live.get(notice.sessionId);
    if (!session) return;
    if (notice.kind === 'closed') dropLive(notice.sessionId);
    else if (notice.kind === 'cancelled') {
      // The client no longer waits for this id; the request runs here: hand the cancellation to the SDK as if it had arrived here.
      session.inflight.delete(idKey(notice.requestId));
      session.transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: notice.requestId, reason: notice.reason },
      });
    }
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const session of live.values()) if (session.busy === 0 && now - session.lastUsed > liveIdleMs) dropLive(session.id);
  }, opts.sweepMs ?? SWEEP_MS);
  sweep.unref();

  const actorOf = (extra: RequestExtra): Actor => extra.authInfo?.extra?.actor as Actor;

  /** A session's server and transport in this process: new, or rebuilt from its row by replaying initialize. */
  async function startLive(row: Pick<SessionRow, 'id' | 'keyId' | 'userId'>, principal: Principal, replay: InitParams | null) {
    const server = buildMcpServer({
      version: runtime.version,
      principal,
      backendFor: (extra) => createLocalBackend({ runtime, actor: actorOf(extra), transport: 'http', dispatch }),
      requestIdFor: (extra) => actorOf(extra)?.requestId ?? randomUUID(),
      logger,
      startedAt: runtime.startedAt,
      resourcesPerList: opts.resourcesPerList,
      progressHeartbeatMs: opts.progressHeartbeatMs,
      session: {
        transport: 'http',
        mode: 'server',
        idleTimeoutSeconds: SESSION_IDLE_MS / 1000,
        activeSessions: () => countOpenSessions(db(), row.keyId),
      },
      onCall: {
        start: () => {
          const s = live.get(row.id);
          if (s) s.busy += 1;
        },
        end: () => {
          const s = live.get(row.id);
          if (s) {
            s.busy = Math.max(0, s.busy - 1);
            s.lastUsed = Date.now();
          }
        },
      },
    });
    const inflight = new Map<string, string | number>();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => row.id,
      onsessionclosed: async (id) => {
        await closeSession(db(), id);
        await notify(db(), CHANNELS.mcp, { sessionId: id, kind: 'closed' });
      },
    });
    transport.onclose = () => {
      const s = live.get(row.id);
      if (s?.transport === transport) {
        clearTimeout(s.expiry);
        live.delete(row.id);
      }
    };
    transport.onerror = (err) => logger.debug('MCP transport', { session: row.id, error: err });
    server.server.onerror = (err) => logger.debug('MCP protocol', { session: row.id, error: err });
    await server.connect(transport);
    // Every message out passes here: an answered request frees its id, and SDK-made errors lose their doubled prefix.
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ('id' in message && ('result' in message || 'error' in message) && message.id !== null && message.id !== undefined)
        inflight.delete(idKey(message.id));
      return send(plainErrorMessage(message), options);
    };
    try {
      if (replay) {
        const replayed = await transport.handleRequest(
          new Request(`http://localhost${MCP_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id: `rebuild-${row.id}`, method: 'initialize', params: replay }),
          }),
        );
        await replayed.text();
        if (replayed.status !== 200) throw new Error(`could not rebuild MCP session ${row.id}: initialize answered ${replayed.status}`);
      }
    } catch (err) {
      await transport.close().catch(() => {});
      throw err;
    }
    const session: Live = { id: row.id, keyId: row.keyId, userId: row.userId, transport, lastUsed: Date.now(), busy: 0, inflight };
    armExpiry(session, principal.expiresAt);
    live.set(row.id, session);
    return session;
  }

  /** A session ends when its key expires, as a WebSocket connection does (ws.ts): streams closed, row closed. */
  function armExpiry(session: Live, expiresAt: Date | null | undefined) {
    if (!expiresAt) return;
    const arm = () => {
      const left = expiresAt.getTime() - Date.now();
      if (left <= 0) {
        endSession(session.id).catch((err: unknown) => logger.warn('could not end the MCP session of an expired key', { error: err as Error }));
        return;
      }
      session.expiry = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      session.expiry.unref();
    };
    arm();
  }

  async function liveSession(row: SessionRow, principal: Principal): Promise<Live | null> {
    const existing = live.get(row.id);
    if (existing) return existing;
    let pending = opening.get(row.id);
    if (!pending) {
      // Rows written before initialize params were bounded are bounded on the way back in; one that cannot be is over.
      const bounded = boundInitParams(row.initParams);
      if ('error' in bounded) {
        await endSession(row.id);
        return null;
      }
      pending = startLive(row, principal, bounded.params).finally(() => opening.delete(row.id));
      opening.set(row.id, pending);
    }
    return pending;
  }

  /** Room for one more session of a key: past the cap, its least recently used sessions end (never one running a call here). */
  async function makeRoom(keyId: string) {
    const open = await openSessionsOf(db(), keyId);
    let excess = open.length - (maxSessionsPerKey - 1);
    for (const { id } of open) {
      if (excess <= 0) break;
      if ((live.get(id)?.busy ?? 0) > 0) continue;
      await endSession(id);
      excess -= 1;
    }
  }

  async function handle(req: Request): Promise<Response> {
    const { ARCHON_PUBLIC_URL: publicUrl, TRUST_PROXY: trustProxy } = runtime.config;
    if (!hostAllowed(req.headers.get('host'), publicUrl)) {
      return jsonRpcError(
        403,
        -32000,
        `Host ${req.headers.get('host') ?? '(none)'} is not served here; set ARCHON_PUBLIC_URL to the address clients use`,
      );
    }
    if (!sameOrigin(req.headers, publicUrl)) return jsonRpcError(403, -32000, `Origin ${req.headers.get('origin')} may not use this server`);
    if (!['GET', 'POST', 'DELETE'].includes(req.method))
      return jsonRpcError(405, -32000, 'Method not allowed: use POST, GET or DELETE', { headers: { allow: 'GET, POST, DELETE' } });

    // The key first, from the headers alone: an anonymous or wrong caller costs one lookup, and its body is never buffered.
    // An API key only: a browser sends cookies by itself, and no MCP client has one.
    const headers = new Headers(req.headers);
    headers.delete('cookie');
    headers.delete('x-api-key');
    const caller = await identifyCaller(db(), { headers, publicUrl, trustProxy });
    const denied = refusal(caller.principal, 'read', { transport: 'http', mutation: false });
    if (denied || !caller.principal?.keyId || !caller.principal.userId) {
      dropBody(req.body?.getReader(), ANONYMOUS_BODY_BYTES, ANONYMOUS_BODY_MS);
      const presented = Boolean(headers.get('authorization'));
      const message = presented
        ? 'The API key is not valid: it is revoked, expired or mistyped'
        : 'This needs an API key: send Authorization: Bearer ak_… (create one in the dashboard or with auth.apiKeys.create)';
      if (!denied || denied.code === 'UNAUTHORIZED')
        return jsonRpcError(401, -32001, message, {
          headers: { 'www-authenticate': `Bearer realm="archon"${presented ? ', error="invalid_token"' : ''}` },
        });
      return jsonRpcError(403, -32000, denied.message);
    }
    const principal = caller.principal;
    const actor: Actor = { principal, ip: caller.ip, requestId: caller.requestId };
    const authInfo: AuthInfo = { token: principal.keyId!, clientId: principal.keyId!, scopes: principal.capabilities, extra: { actor } };
    const sessionId = req.headers.get('mcp-session-id');

    let body: unknown;
    let messages: JSONRPCMessage[] = [];
    if (req.method === 'POST') {
      const limit = sessionId ? MCP_MAX_BODY_BYTES : MCP_MAX_INIT_BODY_BYTES;
      const bytes = await readBody(req, limit, bodyTimeoutMs);
      if (bytes === 'too-large') {
        const what = sessionId ? 'a request' : 'a request without Mcp-Session-Id (initialize)';
        return jsonRpcError(413, -32000, `Payload too large: ${what} may be at most ${limit} bytes`);
      }
      if (bytes === 'timeout') return jsonRpcError(408, -32000, `Request timeout: the body did not arrive within ${bodyTimeoutMs / 1000} s`);
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return jsonRpcError(400, -32700, 'Parse error: the body must be JSON-RPC');
      }
      const list = Array.isArray(body) ? body : [body];
      if (list.length === 0 || !list.every((m) => isObject(m) && JSONRPCMessageSchema.safeParse(m).success))
        return jsonRpcError(400, -32600, 'Invalid Request: the body must be a JSON-RPC message (an object), or a non-empty array of them');
      messages = list as JSONRPCMessage[];
      const requests = messages.filter(isJSONRPCRequest);
      if (requests.some((m) => typeof m.id === 'string' && m.id.length > MAX_REQUEST_ID_CHARS))
        return jsonRpcError(400, -32600, `Invalid Request: an id may be at most ${MAX_REQUEST_ID_CHARS} characters`);
      if (new Set(requests.map((m) => idKey(m.id))).size < requests.length)
        return jsonRpcError(400, -32600, 'Invalid Request: two requests of a batch have the same id');
    }
    const forward = req.method === 'POST' ? new Request(req.url, { method: 'POST', headers: req.headers, signal: req.signal }) : req;

    if (!sessionId) {
      const init = messages.length === 1 ? messages[0] : undefined;
      if (req.method !== 'POST' || !isJSONRPCRequest(init) || !isInitializeRequest(init))
        return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      const bounded = boundInitParams(init.params);
      if ('error' in bounded) return jsonRpcError(400, -32602, bounded.error, { id: init.id });
      try {
        await limitCaller(db(), callerLimits(runtime.config), 'mcp-session', actor);
      } catch (err) {
        if (!(isAppError(err) && err.code === 'TOO_MANY_REQUESTS')) throw err;
        const retryAfter = String(err.details?.retryAfterSeconds ?? 60);
        return jsonRpcError(429, -32000, err.message, { id: init.id, headers: { 'retry-after': retryAfter } });
      }
      await makeRoom(principal.keyId!);
      const id = randomUUID();
      const row = { id, keyId: principal.keyId!, userId: principal.userId! };
      await createSession(db(), { ...row, initParams: bounded.params });
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        pruneSessions(db()).catch((err: unknown) => logger.warn('could not prune ended MCP sessions', { error: err as Error }));
      }
      const session = await startLive(row, principal, null);
      const response = await session.transport.handleRequest(forward, { authInfo, parsedBody: { ...init, params: bounded.params } });
      if (response.status !== 200) await endSession(id);
      return response;
    }

    const row = await openSession(db(), sessionId);
    if (!row) {
      dropLive(sessionId);
      return jsonRpcError(404, -32001, 'Session not found: it ended or never existed; initialize a new one');
    }
    if (row.keyId !== principal.keyId) return jsonRpcError(403, -32000, 'This session belongs to another API key');
    for (const message of messages) {
      if (!('method' in message) || message.method !== 'notifications/cancelled' || !isObject(message.params)) continue;
      const { requestId, reason } = message.params;
      // Only an id a request of this session could have: it travels to every process in a NOTIFY, which holds 8,000 bytes.
      const usable =
        (typeof requestId === 'string' && requestId.length <= MAX_REQUEST_ID_CHARS) ||
        (typeof requestId === 'number' && Number.isSafeInteger(requestId));
      if (!usable) continue;
      await notify(db(), CHANNELS.mcp, {
        sessionId,
        kind: 'cancelled',
        requestId,
        ...(typeof reason === 'string' ? { reason: reason.slice(0, 200) } : {}),
      });
    }
    const session = await liveSession(row, principal);
    if (!session) return jsonRpcError(404, -32001, 'Session not found: it ended or never existed; initialize a new one');
    session.lastUsed = Date.now();
    // Two requests of one session with one id would share the SDK's bookkeeping, and one of them would never be answered.
    const requests = messages.filter(isJSONRPCRequest);
    const taken = requests.find((m) => session.inflight.has(idKey(m.id)));
    if (taken)
      return jsonRpcError(
        400,
        -32600,
        `Invalid Request: id ${JSON.stringify(taken.id)} is in use by a request in progress on this session; give each request its own id`,
        { id: taken.id },
      );
    for (const m of requests) session.inflight.set(idKey(m.id), m.id);
    // A client that hangs up no longer waits for its answers.
    req.signal.addEventListener(
      'abort',
      () => {
        for (const m of requests) session.inflight.delete(idKey(m.id));
      },
      { once: true },
    );
    return session.transport.handleRequest(forward, { authInfo, parsedBody: body });
  }

  return {
    handle,
    async close(graceMs = 0) {
      clearInterval(sweep);
      stopRevocations();
      stopNotices();
      const until = Date.now() + graceMs;
      while (Date.now() < until && [...live.values()].some((s) => s.busy > 0)) await new Promise((r) => setTimeout(r, 50));
      for (const s of live.values()) clearTimeout(s.expiry);
      await Promise.allSettled([...live.values()].map((s) => s.transport.close()));
      live.clear();
    },
    stats: () => ({ live: live.size }),
  };
}
