import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { type InitializeRequest, isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { dispatch as inngestDispatch } from '../../inngest/dispatch';
import { isAppError } from '../errors';
import { discardBody, readBodyWithin } from '../http/body-limit';
import { CHANNELS, type McpNotice, notify } from '../realtime/channels';
import type { Runtime } from '../runtime/runtime';
import type { Dispatch } from '../schemas/job-events';
import type { Actor } from '../services/auth/actor';
import { sameOrigin } from '../services/auth/authenticate';
import { identifyCaller, refusal } from '../services/auth/authorize';
import type { Principal } from '../services/auth/principal';
import { isRevoked, parseRevocation } from '../services/auth/revocations';
import { createLocalBackend } from './local-backend';
import { buildMcpServer } from './server';
import {
  closeSession,
  closeSessionsOf,
  countOpenSessions,
  createSession,
  openSession,
  pruneSessions,
  SESSION_IDLE_MS,
  type SessionRow,
} from './session-store';
import type { RequestExtra } from './tool';

export const MCP_PATH = '/mcp';
/** Room for any call, a document of a few megabytes in rag_upload_document included; larger files go to POST /api/uploads. */
export const MCP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A process drops its copy of a session nobody used for this long (the row stays; any process rebuilds it on the next request). */
const LIVE_IDLE_MS = 30 * 60_000;
const SWEEP_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

type Live = {
  id: string;
  keyId: string;
  userId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
  busy: number;
};

export type McpHttpHandler = {
  handle(req: Request): Promise<Response>;
  /**
   * Ends every session's streams in this process, after letting running tool
   * calls finish for up to `graceMs`. The rows stay open: the client's next
   * request rebuilds its session in another process, or after a restart.
   */
  close(graceMs?: number): Promise<void>;
};

const rpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers: { 'cache-control': 'no-store', ...headers } });

/**
 * Whether the Host header names this server: an IP address, localhost, or
 * the host of ARCHON_PUBLIC_URL. A DNS-rebinding page reaches a loopback
 * server under its own domain name, which this refuses (it then also fails
 * the Origin check, being same-origin only with itself).
 */
export function hostAllowed(host: string | null, publicUrl: string | undefined): boolean {
  if (!host) return false;
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (name === 'localhost' || isIP(name) !== 0) return true;
  if (!publicUrl) return false;
  try {
    return new URL(publicUrl).hostname.toLowerCase() === name;
  } catch {
    return false;
  }
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
 */
export async function createMcpHttpHandler(runtime: Runtime, opts: { dispatch?: Dispatch; resourcesPerList?: number } = {}): Promise<McpHttpHandler> {
  const { logger } = runtime;
  const db = () => runtime.database.db;
  const dispatch = opts.dispatch ?? inngestDispatch;
  const live = new Map<string, Live>();
  const opening = new Map<string, Promise<Live>>();
  let prunedAt = 0;

  const dropLive = (id: string) => {
    const session = live.get(id);
    live.delete(id);
    if (session) void session.transport.close().catch(() => {});
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
    // The request runs here: hand the client's cancellation to the SDK as if it had arrived on this process.
    else if (notice.kind === 'cancelled')
      session.transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: notice.requestId, reason: notice.reason },
      });
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const session of live.values()) if (session.busy === 0 && now - session.lastUsed > LIVE_IDLE_MS) dropLive(session.id);
  }, SWEEP_MS);
  sweep.unref();

  const actorOf = (extra: RequestExtra): Actor => extra.authInfo?.extra?.actor as Actor;

  /** A session's server and transport in this process: new, or rebuilt from its row by replaying initialize. */
  async function startLive(row: Pick<SessionRow, 'id' | 'keyId' | 'userId'>, principal: Principal, replay: SessionRow['initParams'] | null) {
    const server = buildMcpServer({
      version: runtime.version,
      principal,
      backendFor: (extra) => createLocalBackend({ runtime, actor: actorOf(extra), transport: 'http', dispatch }),
      requestIdFor: (extra) => actorOf(extra)?.requestId ?? randomUUID(),
      logger,
      startedAt: runtime.startedAt,
      resourcesPerList: opts.resourcesPerList,
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
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => row.id,
      onsessionclosed: async (id) => {
        await closeSession(db(), id);
        await notify(db(), CHANNELS.mcp, { sessionId: id, kind: 'closed' });
      },
    });
    transport.onclose = () => {
      if (live.get(row.id)?.transport === transport) live.delete(row.id);
    };
    transport.onerror = (err) => logger.debug('MCP transport', { session: row.id, error: err });
    server.server.onerror = (err) => logger.debug('MCP protocol', { session: row.id, error: err });
    await server.connect(transport);
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
    const session: Live = { id: row.id, keyId: row.keyId, userId: row.userId, transport, lastUsed: Date.now(), busy: 0 };
    live.set(row.id, session);
    return session;
  }

  async function liveSession(row: SessionRow, principal: Principal): Promise<Live> {
    const existing = live.get(row.id);
    if (existing) return existing;
    let pending = opening.get(row.id);
    if (!pending) {
      pending = startLive(row, principal, row.initParams).finally(() => opening.delete(row.id));
      opening.set(row.id, pending);
    }
    return pending;
  }

  async function handle(req: Request): Promise<Response> {
    const { ARCHON_PUBLIC_URL: publicUrl, TRUST_PROXY: trustProxy } = runtime.config;
    if (!hostAllowed(req.headers.get('host'), publicUrl)) {
      return rpcError(
        403,
        -32000,
        `Host ${req.headers.get('host') ?? '(none)'} is not served here; set ARCHON_PUBLIC_URL to the address clients use`,
      );
    }
    if (!sameOrigin(req.headers, publicUrl)) return rpcError(403, -32000, `Origin ${req.headers.get('origin')} may not use this server`);
    if (!['GET', 'POST', 'DELETE'].includes(req.method))
      return rpcError(405, -32000, 'Method not allowed: use POST, GET or DELETE', { allow: 'GET, POST, DELETE' });

    let body: unknown;
    if (req.method === 'POST') {
      let bytes: Uint8Array;
      try {
        bytes = await readBodyWithin(req, MCP_MAX_BODY_BYTES);
      } catch (err) {
        if (!(isAppError(err) && err.code === 'PAYLOAD_TOO_LARGE')) throw err;
        // Read and dropped (up to a bound), so a client still sending sees the answer rather than a broken connection.
        if (req.body && !req.bodyUsed && !req.body.locked) discardBody(req.body, 16 * MCP_MAX_BODY_BYTES);
        return rpcError(413, -32000, `Payload too large: a request may be at most ${MCP_MAX_BODY_BYTES} bytes`);
      }
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return rpcError(400, -32700, 'Parse error: the body must be JSON-RPC');
      }
    }

    // An API key only: a browser sends cookies by itself, and no MCP client has one.
    const headers = new Headers(req.headers);
    headers.delete('cookie');
    headers.delete('x-api-key');
    const caller = await identifyCaller(db(), { headers, publicUrl, trustProxy });
    const denied = refusal(caller.principal, 'read', { transport: 'http', mutation: false });
    if (denied || !caller.principal?.keyId || !caller.principal.userId) {
      const presented = Boolean(headers.get('authorization'));
      const message = presented
        ? 'The API key is not valid: it is revoked, expired or mistyped'
        : 'This needs an API key: send Authorization: Bearer ak_… (create one in the dashboard or with auth.apiKeys.create)';
      if (!denied || denied.code === 'UNAUTHORIZED')
        return rpcError(401, -32001, message, { 'www-authenticate': `Bearer realm="archon"${presented ? ', error="invalid_token"' : ''}` });
      return rpcError(403, -32000, denied.message);
    }
    const principal = caller.principal;
    const actor: Actor = { principal, ip: caller.ip, requestId: caller.requestId };
    const authInfo: AuthInfo = { token: principal.keyId!, clientId: principal.keyId!, scopes: principal.capabilities, extra: { actor } };
    const forward = req.method === 'POST' ? new Request(req.url, { method: 'POST', headers: req.headers }) : req;

    const sessionId = req.headers.get('mcp-session-id');
    if (!sessionId) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      const id = randomUUID();
      const row = { id, keyId: principal.keyId!, userId: principal.userId! };
      await createSession(db(), { ...row, initParams: (body as InitializeRequest).params as Record<string, unknown> });
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        pruneSessions(db()).catch((err: unknown) => logger.warn('could not prune ended MCP sessions', { error: err as Error }));
      }
      const session = await startLive(row, principal, null);
      const response = await session.transport.handleRequest(forward, { authInfo, parsedBody: body });
      if (response.status !== 200) {
        await closeSession(db(), id);
        dropLive(id);
      }
      return response;
    }

    const row = await openSession(db(), sessionId);
    if (!row) {
      dropLive(sessionId);
      return rpcError(404, -32001, 'Session not found: it ended or never existed; initialize a new one');
    }
    if (row.keyId !== principal.keyId) return rpcError(403, -32000, 'This session belongs to another API key');
    for (const message of (Array.isArray(body) ? body : body === undefined ? [] : [body]) as JSONRPCMessage[]) {
      if ('method' in message && message.method === 'notifications/cancelled' && message.params?.requestId !== undefined) {
        const { requestId, reason } = message.params as { requestId: string | number; reason?: unknown };
        await notify(db(), CHANNELS.mcp, {
          sessionId,
          kind: 'cancelled',
          requestId,
          ...(typeof reason === 'string' ? { reason: reason.slice(0, 200) } : {}),
        });
      }
    }
    const session = await liveSession(row, principal);
    session.lastUsed = Date.now();
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
      await Promise.allSettled([...live.values()].map((s) => s.transport.close()));
      live.clear();
    },
  };
}
