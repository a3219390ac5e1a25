import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A Node request's headers as fetch Headers (repeated headers joined, as HTTP allows). */
export function nodeHeaders(req: Pick<IncomingMessage, 'headers'>): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * A fetch Request for a Node request: same method, headers and streamed body,
 * aborted when the client goes away. Handlers read only the path and query of
 * its URL, so the origin is a fixed placeholder rather than the client's Host.
 */
export function toFetchRequest(req: IncomingMessage, res: ServerResponse): Request {
  const headers = nodeHeaders(req);
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', 'http://localhost'), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal: aborted.signal,
    duplex: 'half',
  } as RequestInit);
}

/** Writes a fetch Response to a Node response, streaming its body. */
export async function sendFetchResponse(res: ServerResponse, response: Response, extraHeaders: { key: string; value: string }[] = []): Promise<void> {
  res.statusCode = response.status;
  for (const { key, value } of extraHeaders) res.setHeader(key, value);
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') res.setHeader(key, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), res);
  } catch (err) {
    // The client hung up (a closed event stream, say): routine, and the pipeline has released the body already.
    if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' && !res.writableFinished) return;
    throw err;
  }
}
