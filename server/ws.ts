import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from './logger';
import { CHANNELS } from './realtime/channels';
import type { PubSub } from './realtime/pubsub';
import { appRouter } from './routers/_app';
import type { Principal } from './services/auth/principal';
import { isRevoked, parseRevocation } from './services/auth/revocations';
import { createContext } from './trpc/context';
import { requestIdOfFailure } from './trpc/init';

export const WS_PATH = '/api/trpc-ws';

/** Close code for a connection whose credentials were revoked or expired (1008: policy violation). */
export const REVOKED_CLOSE_CODE = 1008;

// setTimeout's longest delay; a later expiry is waited for in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes a connection when its key or session expires: credentials are
 * checked when a connection opens, and a connection can outlive them. A
 * session whose expiry slid forward meanwhile just reconnects.
 */
function closeAtExpiry(client: WebSocket, expiresAt: Date | null | undefined) {
  if (!expiresAt) return;
  const arm = () => {
    const left = expiresAt.getTime() - Date.now();
    if (left <= 0) return client.close(REVOKED_CLOSE_CODE, 'credentials expired');
    const timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
    client.once('close', () => clearTimeout(timer));
  };
  arm();
}

/**
 * tRPC over WebSocket, attached to an existing HTTP server's upgrade event.
 * Each connection remembers who authenticated it, so revoking a key, a
 * session or a user closes that user's open connections at once.
 */
export async function createTrpcWss(opts: { maxPayload: number; logger: Logger; pubsub: PubSub }) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload });
  const principals = new WeakMap<WebSocket, Principal>();
  const stopListening = await opts.pubsub.subscribe(CHANNELS.revocations, (payload) => {
    const revocation = parseRevocation(payload);
    if (!revocation) return;
    for (const client of wss.clients) {
      const principal = principals.get(client);
      if (principal && isRevoked(principal, revocation)) client.close(REVOKED_CLOSE_CODE, 'credentials revoked');
    }
  });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: async (o) => {
      const ctx = await createContext(o);
      const { principal } = ctx.actor;
      if (principal) {
        principals.set(o.res, principal);
        closeAtExpiry(o.res, principal.expiresAt);
      }
      return ctx;
    },
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    onError: ({ error, path, ctx }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        opts.logger.error('tRPC ws request failed', {
          path,
          requestId: requestIdOfFailure(error) ?? ctx?.actor.requestId ?? null,
          error: error.cause ?? error,
        });
    },
  });
  return {
    wss,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
    },
    /** Asks every client to reconnect (to another instance, or to this one after a restart), then closes. */
    async shutdown(graceMs: number) {
      handler.broadcastReconnectNotification();
      await new Promise((r) => setTimeout(r, Math.min(graceMs, 250)));
      stopListening();
      for (const client of wss.clients) client.close(1012, 'server restarting');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
