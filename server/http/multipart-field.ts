import { badRequest } from '../errors';

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary of a multipart/form-data content type, or null for any other type. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) throw badRequest('The multipart content type has no valid boundary');
  return boundary;
}

function fieldName(headers: string): string | null {
  const disposition = headers.split('\r\n').find((h) => /^content-disposition\s*:/i.test(h));
  const match = disposition && /;\s*name=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/**
 * The content of one field of a multipart/form-data body (RFC 7578), streamed:
 * only a boundary's length of bytes is held back between chunks, so a
 * multi-gigabyte file part never sits in memory. Other fields are skipped.
 */
export async function* multipartField(bytes: AsyncIterable<Uint8Array>, boundary: string, name: string): AsyncGenerator<Buffer> {
  // Every boundary but the first follows a CRLF; starting with one makes the first match too.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.from(CRLF);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let wanted = false;
  for await (const chunk of bytes) {
    buf = Buffer.concat([buf, chunk]);
    for (let progress = true; progress && state !== 'done'; ) {
      progress = false;
      if (state === 'preamble' || state === 'body') {
        const at = buf.indexOf(delimiter);
        const end = at === -1 ? Math.max(0, buf.length - delimiter.length + 1) : at;
        if (state === 'body' && wanted && end > 0) yield Buffer.from(buf.subarray(0, end));
        buf = buf.subarray(at === -1 ? end : at + delimiter.length);
        if (at !== -1) {
          if (state === 'body' && wanted) return;
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
        const headers = end === -2 ? '' : buf.subarray(0, end).toString('utf8');
        wanted = fieldName(headers) === name;
        buf = buf.subarray(end === -2 ? 2 : end + HEADER_END.length);
        state = 'body';
        progress = true;
      }
    }
    if (state === 'done') break;
  }
  if (wanted) throw badRequest(`The multipart body ends inside the "${name}" field (the upload is incomplete)`);
  throw badRequest(`The multipart body has no "${name}" field`);
}
