import http from 'node:http';
import type { AddressInfo } from 'node:net';
import next from 'next';
import { badRequest } from './errors';
import { errorResponse } from './http/error-response';
import { createMetricsHandler, METRICS_PATH, methodLabel, routeLabel } from './http/metrics-route';
import { sendFetchResponse, toFetchRequest } from './http/node-fetch';
import { securityHeaders } from './http/security-headers';
import { currentLogContext, withLogContext } from './logger';
import { createMcpHttpHandler, MCP_PATH } from './mcp/http';
import { appRouter } from './routers/_app';
import { resolveRunnerMode } from './runner/mode';
import { countHttpRequest } from './runtime/metrics';
import type { Runtime } from './runtime/runtime';
import { REQUEST_ID_HEADER, requestIdOf } from './services/auth/actor';
import { CLIENT_IP_HEADER } from './services/auth/client-ip';
import { createTrpcHttpHandler, MALFORMED_PATH, TRPC_ENDPOINT } from './trpc/http-handler';
import { createTrpcWss, WS_PATH } from './ws';

/** The port cannot be opened for a reason whoever starts Archon can fix; the message says how, in one line. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `Port ${port} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new ListenError(`${where} is already in use: stop the other process or set PORT to another port (0 picks a free one).`);
    case 'EACCES':
      return new ListenError(`${where} needs privileges this process does not have: set PORT to 1024 or above (0 picks a free one).`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`HOST ${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all).`);
    default:
      return err;
  }
}

/**
 * Whether every percent-escape in a path decodes (to UTF-8). Next.js answers
 * a path it cannot decode with a bare 500, before any route sees it, so such
 * paths are refused here, for every route at once.
 */
function decodablePath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

export type ArchonServer = {
  url: string;
  port: number;
  close(): Promise<void>;
};

/**
 * One HTTP server on one port: Next.js (pages and route handlers, including
 * tRPC over HTTP) plus tRPC over WebSocket on the upgrade path.
 */
export async function startServer(runtime: Runtime): Promise<ArchonServer> {
  const { config, logger } = runtime;
  const app = next({ dev: config.NODE_ENV === 'development', dir: process.cwd(), hostname: config.HOST, port: config.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const nextUpgrade = app.getUpgradeHandler();
  const trpcWs = await createTrpcWss({ maxPayload: config.WS_MAX_PAYLOAD_BYTES, logger, pubsub: runtime.pubsub });
  const mcp = await createMcpHttpHandler(runtime);

  const headers = securityHeaders(config.NODE_ENV === 'development');
  const handleTrpcRequest = createTrpcHttpHandler(appRouter);
  const metrics = createMetricsHandler(runtime, { runner: resolveRunnerMode(process.env), wsConnections: () => trpcWs.wss.clients.size });
  const route = (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    observeRequest(req, res, path);
    // tRPC is the hot path (every search): it skips Next's routing, measurably faster (docs/benchmarks.md).
    // A malformed escape in its path is refused there, in the error shape tRPC clients read.
    const handled =
      path === TRPC_ENDPOINT || path.startsWith(`${TRPC_ENDPOINT}/`)
        ? handleTrpcRequest(toFetchRequest(req, res)).then((response) => sendFetchResponse(res, response, headers))
        : path === MCP_PATH
          ? mcp.handle(toFetchRequest(req, res)).then((response) => sendFetchResponse(res, response, headers))
          : path === METRICS_PATH
            ? metrics(toFetchRequest(req, res)).then((response) => sendFetchResponse(res, response, headers))
            : !decodablePath(path)
              ? sendFetchResponse(res, errorResponse(badRequest(MALFORMED_PATH), logger), headers)
              : handle(req, res);
    handled.catch((err: unknown) => {
      logger.error('request failed', { url: req.url, requestId, error: err as Error });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal server error');
    });
  };
  /** Counts and times each request once its response has gone (or its client has), and logs it at debug level. */
  const observeRequest = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
    const started = performance.now();
    const context = currentLogContext();
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const labels = { route: routeLabel(path), method: methodLabel(req.method) };
      countHttpRequest(labels, res.statusCode, seconds);
      withLogContext(context, () =>
        logger.debug('request', {
          method: req.method,
          route: labels.route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          finished: res.writableFinished,
        }),
      );
    });
  };
  const server = http.createServer((req, res) => {
    // Route handlers see only headers; this one is always ours, never the client's.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? '';
    // One id per request: answered in the response and seen by every handler, so a log line can be matched to a request.
    const sentId = req.headers[REQUEST_ID_HEADER];
    const requestId = requestIdOf(typeof sentId === 'string' ? sentId : null);
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // Every line logged while answering carries the request id (and, once known, the caller: services/auth/authorize.ts).
    withLogContext({ requestId }, () => route(req, res, requestId));
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === WS_PATH) trpcWs.handleUpgrade(req, socket, head);
    else if (config.NODE_ENV === 'development') void nextUpgrade(req, socket, head);
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
  } catch (err) {
    await mcp.close();
    await trpcWs.shutdown(0);
    await app.close().catch(() => {});
    throw listenError(err as NodeJS.ErrnoException, config.HOST, config.PORT);
  }
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: no new connections, finishing in-flight requests');
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Open MCP event streams would otherwise hold the server open until the timeout.
      await mcp.close(config.SHUTDOWN_TIMEOUT_MS / 2);
      await trpcWs.shutdown(config.SHUTDOWN_TIMEOUT_MS);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.SHUTDOWN_TIMEOUT_MS).unref()),
      ]);
      if (timedOut) {
        logger.warn('shutdown timeout reached; closing remaining connections', { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
        server.closeAllConnections();
      }
      await app.close().catch(() => {});
      await runtime.close();
      logger.info('shutdown complete');
    })());

  return { url: `http://${host}:${port}`, port, close };
}
