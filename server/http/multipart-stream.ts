import { badRequest } from '../errors';

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** One part's start (with its field name and file name), a piece of its content, or its end. */
export type MultipartEvent =
  | { type: 'part'; name: string | null; filename: string | null; contentType: string | null }
  | { type: 'data'; chunk: Buffer }
  | { type: 'end' };

/** The boundary of a multipart/form-data content type, or null for any other type. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) throw badRequest('The multipart content type has no valid boundary');
  return boundary;
}

// Browsers and undici write a quote, CR and LF in names as %22, %0D and %0A (HTML's form encoding).
const unescapeName = (value: string) => value.replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

function dispositionParam(disposition: string, key: string): string | null {
  const re = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const match = re.exec(disposition);
  if (!match) return null;
  return match[1] !== undefined ? unescapeName(match[1].replace(/\\(.)/g, '$1')) : unescapeName(match[2]!);
}

/** RFC 5987's `filename*=UTF-8''…`, which some clients send for names that are not ASCII. */
function extendedFilename(disposition: string): string | null {
  const match = /;\s*filename\*=(?:utf-8|UTF-8)''([^;\s]+)/.exec(disposition);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    throw badRequest('A multipart part has a filename* that is not valid percent-encoded UTF-8');
  }
}

function partOf(headers: string): MultipartEvent & { type: 'part' } {
  const lines = headers.split('\r\n');
  const header = (name: string) => lines.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? null;
  const disposition = header('content-disposition') ?? '';
  return {
    type: 'part',
    name: dispositionParam(disposition, 'name'),
    filename: extendedFilename(disposition) ?? dispositionParam(disposition, 'filename'),
    contentType: header('content-type'),
  };
}

/**
 * A multipart/form-data body (RFC 7578) as a stream of events, parsed as it
 * arrives: only a boundary's length of bytes is held back between chunks, so
 * a large file part never sits in memory. A body that stops before its
 * closing boundary is an error: the upload was cut short.
 */
export async function* multipartEvents(bytes: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<MultipartEvent> {
  // Every boundary but the first follows a CRLF; starting with one makes the first match too.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.from(CRLF);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  for await (const chunk of bytes) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    for (let progress = true; progress && state !== 'done'; ) {
      progress = false;
      if (state === 'preamble' || state === 'body') {
        const at = buf.indexOf(delimiter);
        const end = at === -1 ? Math.max(0, buf.length - delimiter.length + 1) : at;
        if (state === 'body' && end > 0) yield { type: 'data', chunk: Buffer.from(buf.subarray(0, end)) };
        buf = buf.subarray(at === -1 ? end : at + delimiter.length);
        if (at !== -1) {
          if (state === 'body') yield { type: 'end' };
          state = 'after-delimiter';
          progress = true;
        }
      } else if (state === 'after-delimiter') {
        if (buf.length < 2) break;
        if (buf[0] === 0x2d && buf[1] === 0x2d) state = 'done';
        else {
          const eol = buf.indexOf(CRLF);
          if (eol === -1) break;
          buf = buf.subarray(eol + 2);
          state = 'headers';
          progress = true;
        }
      } else if (state === 'headers') {
        // A part without headers starts its body at once.
        const end = buf.subarray(0, 2).equals(CRLF) ? -2 : buf.indexOf(HEADER_END);
        if (end === -1) {
          if (buf.length > MAX_HEADER_BYTES) throw badRequest('A multipart part has headers longer than 16 KiB');
          break;
        }
        yield partOf(end === -2 ? '' : buf.subarray(0, end).toString('utf8'));
        buf = buf.subarray(end === -2 ? 2 : end + HEADER_END.length);
        state = 'body';
        progress = true;
      }
    }
    if (state === 'done') return;
  }
  throw badRequest(
    state === 'body' || state === 'headers'
      ? 'The multipart body ends inside a part (the upload is incomplete)'
      : 'The multipart body ends before its closing boundary (the upload is incomplete)',
  );
}
