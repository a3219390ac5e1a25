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

/** A small HTML page with a title, a heading and a paragraph of `body` (padded to read as prose). */
export const htmlPage = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>${body} Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></main></body></html>`;
/** Links to `paths`, for a page's body. */
export const htmlLinks = (...paths: string[]) => paths.map((p) => `<a href="${p}">${p}</a>`).join(' ');
