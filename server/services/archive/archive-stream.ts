import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { badRequest } from '../../errors';

/**
 * Far above any real line (documents are capped at 2 M characters) yet below
 * V8's string limit, so a hostile archive cannot make one line exhaust memory.
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * Archive lines as the bytes of the .jsonl.gz file, produced as the consumer
 * reads. A failure part-way errors the stream, so the receiver holds a
 * truncated file that no import accepts; `onError` is told why.
 */
export function gzipLines(lines: AsyncIterable<string>, opts: { onError?: (err: unknown) => void } = {}): ReadableStream<Uint8Array> {
  const it = lines[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const ndjson = new ReadableStream<BufferSource>({
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${next.value}\n`));
      } catch (err) {
        opts.onError?.(err);
        throw err;
      }
    },
    async cancel() {
      // A download the client abandoned stops reading the database.
      await it.return?.(undefined);
    },
  });
  return ndjson.pipeThrough(new CompressionStream('gzip'));
}

/** Prepends `first` to the rest of an iterator that already yielded it. */
async function* resume(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

async function* gunzip(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const source = Readable.from(bytes, { objectMode: false });
  const inflate = createGunzip();
  source.on('error', (err) => inflate.destroy(err));
  source.pipe(inflate);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') throw badRequest('The archive is truncated: its gzip data ends early');
    if (typeof code === 'string' && code.startsWith('Z_')) throw badRequest(`The archive is damaged: ${(err as Error).message}`);
    throw err;
  } finally {
    source.destroy();
    inflate.destroy();
  }
}

/** Gzip data is decompressed; anything else is read as plain NDJSON, so a hand-made archive imports too. */
async function* decompressed(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = bytes[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  // gzip's magic number is 1f 8b; no JSON text starts with 1f.
  const gzip = first.value[0] === 0x1f && (first.value.length < 2 || first.value[1] === 0x8b);
  yield* gzip ? gunzip(resume(first.value, it)) : resume(first.value, it);
}

function decodeLine(parts: Buffer[], lineNo: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  } catch {
    throw badRequest(`Archive line ${lineNo}: not valid UTF-8`, { line: lineNo });
  }
}

/**
 * The lines of an archive file given as bytes (gzip or plain), without their
 * line breaks, read as the consumer asks for them: only the current line is
 * held in memory.
 */
export async function* archiveLines(bytes: AsyncIterable<Uint8Array>, opts: { maxLineBytes?: number } = {}): AsyncGenerator<string> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let size = 0;
  let lineNo = 1;
  const add = (part: Buffer) => {
    size += part.length;
    if (size > max) throw badRequest(`Archive line ${lineNo} is longer than ${max} bytes`, { line: lineNo });
    if (part.length) parts.push(part);
  };
  for await (const chunk of decompressed(bytes)) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      add(buf.subarray(start, nl));
      yield decodeLine(parts, lineNo).replace(/\r$/, '');
      parts = [];
      size = 0;
      lineNo++;
      start = nl + 1;
    }
    // The chunk's memory may be reused by the producer once we ask for the next one.
    if (start < buf.length) add(Buffer.from(buf.subarray(start)));
  }
  if (size > 0) yield decodeLine(parts, lineNo).replace(/\r$/, '');
}
