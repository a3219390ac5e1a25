// What a fetched body is and how to turn its bytes into text. The declared
// mime type wins; servers that send none or application/octet-stream (raw
// file hosts, misconfigured object stores) get their bytes sniffed. A declared
// charset wins too; where nothing declares one and the bytes are not UTF-8,
// chardet guesses the legacy encoding.

import { isUtf8 } from 'node:buffer';
import { analyse } from 'chardet';

export type ContentKind = 'html' | 'markdown' | 'text' | 'xml' | 'binary';

const GENERIC_MIMES = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/unknown',
  'application/x-unknown',
  'unknown/unknown',
  'application/download',
  'application/force-download',
  '*/*',
]);
const TEXTUAL_APPLICATION_MIMES = new Set([
  'application/json',
  'application/ld+json',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'application/graphql',
]);
const SNIFF_BYTES = 1024;
const META_CHARSET_BYTES = 2048;

function mimeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.toLowerCase();
  } catch {
    return url.split(/[?#]/)[0]!.toLowerCase();
  }
}

function isMarkdownPath(url: string): boolean {
  return /\.(?:md|mdx|markdown)$/.test(pathOf(url));
}

// Formats whose first bytes give them away even without a NUL among them.
const MAGIC: number[][] = [
  [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  [0x50, 0x4b, 0x03, 0x04], // zip, docx, jar
  [0x1f, 0x8b], // gzip
  [0x89, 0x50, 0x4e, 0x47], // png
  [0x47, 0x49, 0x46, 0x38], // gif
  [0xff, 0xd8, 0xff], // jpeg
];

function sniff(url: string, body: Buffer): ContentKind {
  const head = body.subarray(0, SNIFF_BYTES);
  if (head.includes(0) || MAGIC.some((m) => m.every((b, i) => head[i] === b))) return 'binary';
  const start = head
    .toString('latin1')
    .replace(/^(?:\xef\xbb\xbf|\ufeff)/, '')
    .trimStart()
    .toLowerCase();
  const htmlMarker = /<!doctype html|<html[\s>]/;
  if (start.startsWith('<?xml')) return htmlMarker.test(start) ? 'html' : 'xml';
  if (/^(?:<!--[\s\S]*?-->\s*)*(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/.test(start)) return 'html';
  if (/^<(?:urlset|sitemapindex|rss|feed)[\s>]/.test(start)) return 'xml';
  if (isMarkdownPath(url)) return 'markdown';
  return 'text';
}

export function classifyContent(contentType: string, url: string, body: Buffer): ContentKind {
  const mime = mimeOf(contentType ?? '');
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'html';
  if (mime === 'text/markdown' || mime === 'text/x-markdown') return 'markdown';
  if (mime === 'text/plain') return isMarkdownPath(url) ? 'markdown' : 'text';
  if (mime === 'text/xml' || mime === 'application/xml' || mime.endsWith('+xml')) return 'xml';
  if (GENERIC_MIMES.has(mime)) return sniff(url, body);
  if (mime.startsWith('text/') || TEXTUAL_APPLICATION_MIMES.has(mime)) return 'text';
  return 'binary';
}

function bomEncoding(body: Buffer): { label: string; skip: number } | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { label: 'utf-8', skip: 3 };
  if (body[0] === 0xff && body[1] === 0xfe) return { label: 'utf-16le', skip: 2 };
  if (body[0] === 0xfe && body[1] === 0xff) return { label: 'utf-16be', skip: 2 };
  return null;
}

/** `<meta charset>` or `<meta http-equiv=Content-Type content="…; charset=…">` near the top of an HTML page. */
function metaCharset(body: Buffer): string | null {
  const head = body.subarray(0, META_CHARSET_BYTES).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)/i.exec(head);
  if (!m) return null;
  // A page that says UTF-16 in ASCII-readable markup is not UTF-16 (HTML spec).
  return /^utf-16/i.test(m[1]!) ? 'utf-8' : m[1]!;
}

/**
 * The encoding a file of markup names itself (`<meta charset>`, or the XML declaration's), when TextDecoder knows it:
 * an uploaded HTML file has no Content-Type header to say it.
 */
export function declaredCharset(body: Buffer): string | null {
  const label = metaCharset(body) ?? xmlEncoding(body);
  return decoderFor(label) ? label : null;
}

/** `<?xml … encoding="…"?>` at the start of an XML document. */
function xmlEncoding(body: Buffer): string | null {
  const head = body.subarray(0, 200).toString('latin1');
  return /^\s*<\?xml[^>]*\sencoding\s*=\s*["']([\w:.-]+)["']/i.exec(head)?.[1] ?? null;
}

// Node 20's TextDecoder decodes windows-1252 (also what the labels latin1 and
// iso-8859-1 mean on the web) as ISO-8859-1, turning 0x80–0x9F into control
// characters instead of €, curly quotes and dashes. This maps them back.
const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decode(decoder: TextDecoder, bytes: Buffer): string {
  const text = decoder.decode(bytes);
  if (decoder.encoding !== 'windows-1252') return text;
  return text.replace(/[\u0080-\u009f]/g, (ch) => CP1252_C1[ch.charCodeAt(0) - 0x80]!);
}

function decoderFor(label: string | null): TextDecoder | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    return null; // unknown label
  }
}

const GUESS_SAMPLE_BYTES = 64 * 1024;
// Measured on a multilingual corpus (docs/benchmarks.md, "Parsers of untrusted
// input"): below these chardet mistakes short Western text for Central European.
const GUESS_MIN_HIGH_BYTES = 4;
const GUESS_MIN_CONFIDENCE = 20;

/**
 * The encoding of text bytes that are not valid UTF-8 and declare none, as a
 * label TextDecoder knows. chardet reads the first 64 KiB. Bytes it finds
 * mostly UTF-8 (ten valid sequences for each broken one) stay UTF-8, a few
 * bad bytes becoming U+FFFD. With too little evidence (fewer than 4 bytes
 * above ASCII, or a weak guess) the answer is windows-1252, what most such
 * files are and the web's default.
 */
export function guessEncoding(bytes: Uint8Array): string {
  const sample = bytes.subarray(0, GUESS_SAMPLE_BYTES);
  const matches = analyse(sample);
  // chardet's UTF-8 confidence is 10 when it saw no multi-byte sequence at all, which is no evidence.
  if (matches.some((m) => m.name === 'UTF-8' && m.confidence > 10)) return 'utf-8';
  let high = 0;
  for (let i = 0; i < sample.length && high < GUESS_MIN_HIGH_BYTES; i++) if (sample[i]! >= 0x80) high++;
  const best = matches[0];
  // UTF-16 and UTF-32 without a byte-order mark are not guessed: their NUL bytes make such a file binary here.
  if (high < GUESS_MIN_HIGH_BYTES || !best || best.confidence < GUESS_MIN_CONFIDENCE || /^(ASCII|UTF-(16|32).*)$/i.test(best.name))
    return 'windows-1252';
  return decoderFor(best.name) ? best.name.toLowerCase() : 'windows-1252';
}

/**
 * Decodes a body: a byte-order mark wins, then the charset from the
 * Content-Type header, then (HTML) a <meta> charset in the first 2 KiB or
 * (XML) the declaration's encoding, else UTF-8 when the bytes are valid UTF-8,
 * else chardet's guess (see guessEncoding). Unknown labels count as no label.
 * Invalid bytes become U+FFFD rather than failing the page; NUL characters are
 * dropped.
 */
export function decodeBody(body: Buffer, charset: string | null, kind: ContentKind): string {
  const bom = bomEncoding(body);
  if (bom) return new TextDecoder(bom.label).decode(body.subarray(bom.skip)).replace(/\u0000/g, '');
  const decoder =
    decoderFor(charset) ??
    (kind === 'html' ? decoderFor(metaCharset(body)) : kind === 'xml' ? decoderFor(xmlEncoding(body)) : null) ??
    new TextDecoder(isUtf8(body) ? 'utf-8' : guessEncoding(body));
  // PostgreSQL text cannot hold NUL; a stray one must not fail the whole page.
  return decode(decoder, body)
    .replace(/^\ufeff/, '')
    .replace(/\u0000/g, '');
}
