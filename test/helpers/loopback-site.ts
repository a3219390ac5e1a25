import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type LoopbackSite = { base: string; host: string; close(): Promise<void> };

/** Serves a test's own site on 127.0.0.1 at a random port. */
export async function serveLoopback(handler: http.RequestListener): Promise<LoopbackSite> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base: `http://${host}`, host, close: () => new Promise((r) => server.close(() => r())) };
}
