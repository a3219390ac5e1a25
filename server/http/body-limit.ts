import { AppError } from '../errors';

export const bodyTooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`, { maxBytes });

/** Refuses a request whose declared Content-Length is over the bound, before anything reads it. */
export function checkContentLength(req: Request, maxBytes: number): void {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
}

/**
 * Passes a body through, erroring with PAYLOAD_TOO_LARGE once more than
 * `maxBytes` have gone by. A chunked request declares no length, so counting
 * what actually arrives is the only bound it has.
 */
export function limitStream(body: ReadableStream<Uint8Array>, maxBytes: number, onTooLarge?: () => void): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          // Parsers that consume the stream (formData) report their own error, not this one.
          onTooLarge?.();
          controller.error(bodyTooLarge(maxBytes));
        } else controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Reads and drops up to `maxBytes` more of a refused body, in the background.
 * Cutting the connection at once would leave a client that is still sending
 * with a broken pipe instead of the refusal; past this allowance it is cut.
 */
export function discardBody(body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): void {
  void (async () => {
    const reader = 'getReader' in body ? body.getReader() : body;
    let seen = 0;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      seen += next.value.byteLength;
      if (seen > maxBytes) return reader.cancel();
    }
  })().catch(() => {});
}

/**
 * Reads a whole body into memory, refusing it as soon as it passes `maxBytes`
 * (by its Content-Length, or by counting when it has none). For bodies that
 * are parsed whole anyway, such as JSON: the refusal can then be answered
 * before authentication or any other work happens. A refused body is drained
 * for up to `drainBytes` more (see discardBody).
 */
export async function readBodyWithin(
  req: Request,
  maxBytes: number,
  drainBytes = Math.min(maxBytes, 16 * 1024 * 1024),
): Promise<Uint8Array<ArrayBuffer>> {
  checkContentLength(req, maxBytes);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > maxBytes) {
      discardBody(reader, drainBytes);
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(next.value);
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
 * The same request with its body bounded: refused at once when the declared
 * length is too large, otherwise re-streamed through a counter. Nothing is
 * buffered, so this suits large bodies whose length is declared.
 */
export function withBodyLimit(req: Request, maxBytes: number): Request {
  checkContentLength(req, maxBytes);
  if (!req.body) return req;
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: limitStream(req.body, maxBytes),
    signal: req.signal,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
}
