// Telling text from binary, and decoding it. A byte-order mark names the
// encoding; otherwise UTF-8 if the bytes are valid UTF-8, else the legacy
// encoding chardet finds (Windows-1252 when the evidence is thin).

import { isUtf8 } from 'node:buffer';
import { declaredCharset, decodeBody, guessEncoding } from '../markdown/content-type';

/** A WHATWG encoding label. */
export type TextEncoding = string;

function bom(bytes: Buffer): TextEncoding | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * The encoding of bytes that look like text, or null for binary: NUL bytes
 * outside a UTF-16 file, or control characters that text does not contain.
 * `strictUtf8` refuses the legacy encodings (for files whose extension does
 * not say they are text).
 */
export function textEncoding(bytes: Buffer, strictUtf8: boolean): TextEncoding | null {
  const marked = bom(bytes);
  if (marked === 'utf-16le' || marked === 'utf-16be') return marked;
  if (bytes.includes(0)) return null;
  if (marked === 'utf-8' || isUtf8(bytes)) return 'utf-8';
  if (strictUtf8) return null;
  // C0 controls other than tab, newline, form feed and carriage return do
  // not occur in text, in any single-byte encoding.
  const sample = bytes.subarray(0, 64 * 1024);
  let controls = 0;
  for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) controls++;
  return controls > sample.length / 100 ? null : guessEncoding(bytes);
}

/**
 * Decodes text bytes to a string with LF line ends, without a BOM or NUL characters. Bytes that are not UTF-8 are read
 * in the encoding a markup file declares (an HTML page's `<meta charset>`), which beats a guess from few letters.
 */
export function decodeText(bytes: Buffer, encoding: TextEncoding): string {
  const declared = encoding === 'utf-8' ? null : declaredCharset(bytes);
  const text = bom(bytes) ? decodeBody(bytes, null, 'text') : decodeBody(bytes, declared ?? encoding, 'text');
  return text.replace(/\r\n?/g, '\n');
}
