import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { appRouter } from './routers/_app';
import { createContext } from './trpc/context';
import type { Logger } from './logger';

export const WS_PATH = '/api/trpc-ws';

/** tRPC over WebSocket, attached to an existing HTTP server's upgrade event. */
export function createTrpcWss(opts: { maxPayload: number; logger: Logger }) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') opts.logger.error('tRPC ws request failed', { path, error: error.cause ?? error });
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
      for (const client of wss.clients) client.close(1012, 'server restarting');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
