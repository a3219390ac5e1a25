import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { AppError, badRequest } from '../errors';

const MAX_HEADER_BYTES = 16 * 1024;

/** One part's start (with its field name and file name), a piece of its content, or its end. */
export type MultipartEvent = { type: 'part'; name: string | null; filename: string | null } | { type: 'data'; chunk: Buffer } | { type: 'end' };

// RFC 2046's boundary characters, so that the boundary can be quoted back into a content type.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a multipart/form-data content type, or null for any other type. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || !BOUNDARY.test(boundary)) throw badRequest('The multipart content type has no valid boundary');
  return boundary;
}

// Browsers and undici write a quote, CR and LF in names as %22, %0D and %0A (HTML's form encoding).
const unescapeName = (value: string) => value.replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

type Part = { name: string | null; filename: string | null; stream: BusboyFileStream; error?: unknown };

const nodeStream = (bytes: AsyncIterable<Uint8Array> | WebReadableStream<Uint8Array>): Readable =>
  bytes instanceof Readable ? bytes : bytes instanceof WebReadableStream ? Readable.fromWeb(bytes) : Readable.from(bytes, { objectMode: false });

// What the parser says about a body cut short, in words an uploader can act on.
const incomplete = (err: unknown, inPart: boolean) =>
  err instanceof AppError || !/unexpected end|terminated early/i.test((err as Error).message ?? '')
    ? err
    : badRequest(
        inPart
          ? 'The multipart body ends inside a part (the upload is incomplete)'
          : 'The multipart body ends before its closing boundary (the upload is incomplete)',
      );

/**
 * A multipart/form-data body (RFC 7578) as a stream of events, parsed by
 * @fastify/busboy as it arrives. Every part is streamed, text fields too, and
 * the parser waits while the consumer handles a part, so a large file never
 * sits in memory. A body that stops before its closing boundary is an error:
 * the upload was cut short. File names come as sent (paths and control
 * characters included): judging them is the caller's business.
 */
export async function* multipartEvents(
  bytes: AsyncIterable<Uint8Array> | WebReadableStream<Uint8Array>,
  boundary: string,
): AsyncGenerator<MultipartEvent> {
  const parser = new Busboy({
    headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
    preservePath: true,
    // A part named "file" with no filename is still streamed; the caller decides whether it wanted a file.
    isPartAFile: () => true,
    fileHwm: 64 * 1024,
    limits: { headerSize: MAX_HEADER_BYTES },
  });
  const parts: Part[] = [];
  let failure: unknown = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  let latest: Part | undefined;
  parser.on('file', (name: string | undefined, stream: BusboyFileStream, filename: string | undefined) => {
    const part: Part = { name: name ?? null, filename: filename === undefined ? null : unescapeName(filename), stream };
    // The parser may report a part cut short before anyone reads it; an 'error' without a listener would end the process.
    stream.on('error', (err) => (part.error ??= err));
    parts.push((latest = part));
    notify();
  });
  parser.on('finish', () => {
    finished = true;
    notify();
  });
  // A body cut short or failing (too large, connection lost) fails the part being written too: the
  // parser does not always say so on the part itself, and a reader must never take it for complete.
  const fail = (err: unknown) => {
    failure ??= err;
    if (latest && !latest.stream.readableEnded) latest.stream.destroy(failure as Error);
    notify();
  };
  parser.on('error', fail);
  const input = nodeStream(bytes);
  pipeline(input, parser).catch(fail);
  let current: Part | undefined;
  try {
    for (;;) {
      while (!parts.length && failure === null && !finished) await new Promise<void>((resolve) => (wake = resolve));
      current = parts.shift();
      if (!current) {
        if (failure !== null) throw incomplete(failure, false);
        return;
      }
      yield { type: 'part', name: current.name, filename: current.filename };
      try {
        for await (const chunk of current.stream) yield { type: 'data', chunk: chunk as Buffer };
      } catch (err) {
        throw incomplete(failure ?? err, true);
      }
      if (current.error !== undefined || (failure !== null && current === latest)) throw incomplete(failure ?? current.error, true);
      yield { type: 'end' };
      current = undefined;
    }
  } finally {
    // The consumer may stop early (one field wanted) or fail: stop reading the body.
    if (!finished) {
      input.destroy();
      parser.destroy();
      for (const p of [current, ...parts]) p?.stream.destroy();
    }
  }
}
