import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendFetchResponse, toFetchRequest } from '../../server/http/node-fetch';
import { appRouter } from '../../server/routers/_app';
import type { Runtime } from '../../server/runtime/runtime';
import { createTrpcHttpHandler, TRPC_ENDPOINT } from '../../server/trpc/http-handler';
import { createTrpcWss, WS_PATH } from '../../server/ws';

/**
 * What the server does for a remote client (archon mcp with ARCHON_URL, the
 * typed client): tRPC over HTTP and over its WebSocket, on Node's own HTTP
 * server (its header limit included). Any other path answers a web page (404).
 */
export async function startTrpcHost(rt: Pick<Runtime, 'logger' | 'pubsub'>) {
  const trpc = createTrpcHttpHandler(appRouter);
  const wss = await createTrpcWss({ maxPayload: 1_048_576, logger: rt.logger, pubsub: rt.pubsub });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const handled = path.startsWith(TRPC_ENDPOINT)
      ? trpc(toFetchRequest(req, res))
      : Promise.resolve(new Response('<!DOCTYPE html><p>hi', { status: 404 }));
    handled.then((r) => sendFetchResponse(res, r)).catch(() => res.destroy());
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith(WS_PATH)) wss.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** As a process that dies: every connection dropped, nothing answers any more. */
    close: async () => {
      for (const client of wss.wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      wss.wss.close();
    },
  };
}
