import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { FetchError } from './fetch-error';

const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

// Lenient flushes: a body cut short still yields what arrived, as in browsers.
function createDecoder(encoding: string, first: Buffer): Transform {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate': {
      // "deflate" should be zlib-wrapped, but some servers send raw deflate; the zlib header tells them apart.
      const b0 = first[0] ?? 0;
      const zlibWrapped = (b0 & 0x0f) === 8 && (first.length < 2 || ((b0 << 8) | first[1]!) % 31 === 0);
      const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      return zlibWrapped ? zlib.createInflate(options) : zlib.createInflateRaw(options);
    }
    default: // 'br'
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  }
}

export type ReadBodyOptions = { url: string; maxBytes: number; signal: AbortSignal };

/**
 * Reads a response body, decompressed, and stops as soon as the decompressed
 * size passes `maxBytes`: a small compressed body can expand to gigabytes, so
 * the limit is enforced on every decoded chunk, never after buffering.
 */
export function readBody(res: IncomingMessage, opts: ReadBodyOptions): Promise<Buffer> {
  const encodings = (res.headers['content-encoding'] ?? '')
    .toLowerCase()
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'identity');

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let decoder: Transform | null = null;

    const onAbort = () => fail(opts.signal.reason);
    const settle = () => {
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
    };
    function fail(err: unknown) {
      if (settled) return;
      settle();
      res.destroy();
      decoder?.destroy();
      reject(err);
    }
    const finish = () => {
      if (settled) return;
      settle();
      resolve(Buffer.concat(chunks, size));
    };
    const take = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > opts.maxBytes) {
        fail(new FetchError('too-large', opts.url, `${opts.url} is larger than the ${opts.maxBytes}-byte limit`));
      } else {
        chunks.push(chunk);
      }
    };

    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    // We only ask for one of these; stacked encodings are not worth the plumbing.
    if (encodings.length > 1 || (encodings[0] && !SUPPORTED.has(encodings[0]))) {
      return fail(new Error(`unsupported content-encoding "${encodings.join(', ')}"`));
    }
    const encoding = encodings[0];

    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (!encoding) return take(chunk);
      if (!decoder) {
        decoder = createDecoder(encoding, chunk);
        decoder.on('data', take);
        decoder.on('end', finish);
        decoder.on('error', (err) => fail(new Error(`cannot decode ${encoding} body: ${err.message}`, { cause: err })));
        decoder.on('drain', () => res.resume());
      }
      if (!decoder.write(chunk)) res.pause();
    });
    res.on('end', () => (decoder ? decoder.end() : finish()));
    res.on('error', fail);
    res.on('close', () => {
      if (!res.complete) fail(new Error('the connection closed before the whole body arrived'));
    });
  });
}
