// Which converter an uploaded file goes to. The bytes decide, not the name:
// an extension only says what the uploader expects, so a file whose content
// contradicts it is refused with a reason rather than converted as garbage.
// Binary formats are recognised by file-type (some 200 signatures); PDFs with
// junk before their header, Word documents (the part mammoth reads) and the
// text formats, which have no signature, are Archon's own rules.

import { fileTypeFromBuffer } from 'file-type/core';
import { DocumentRejected } from './document-rejected';
import { decodeText, textEncoding } from './text-bytes';
import { zipEntryNames } from './zip-directory';

export type DocumentFormat = 'pdf' | 'docx' | 'markdown' | 'text' | 'html' | 'rst';

export type DetectedDocument = { format: 'pdf' | 'docx' } | { format: 'markdown' | 'text' | 'html' | 'rst'; text: string };

type TextFormat = 'markdown' | 'text' | 'html' | 'rst';

const TEXT_EXTENSIONS: Record<string, TextFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  rst: 'rst',
  rest: 'rst',
};

const TEXT_NOUN: Record<TextFormat, string> = {
  markdown: 'a Markdown file',
  text: 'a text file',
  html: 'an HTML file',
  rst: 'a reStructuredText file',
};

const SUPPORTED = 'PDF, DOCX, Markdown, text, HTML or reStructuredText';

// What a reason calls the binary formats people upload by mistake; others are named by their kind and extension.
const KNOWN: Record<string, string> = {
  png: 'a PNG image',
  jpg: 'a JPEG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  bmp: 'a BMP image',
  tif: 'a TIFF image',
  heic: 'a HEIC image',
  gz: 'a gzip archive',
  '7z': 'a 7-Zip archive',
  rar: 'a RAR archive',
  tar: 'a tar archive',
  bz2: 'a bzip2 archive',
  xz: 'an xz archive',
  zst: 'a Zstandard archive',
  cfb: 'an old Office document (.doc, .xls)',
  exe: 'an executable',
  elf: 'an executable',
  macho: 'an executable',
  xlsx: 'an Excel workbook',
  xlsm: 'an Excel workbook',
  pptx: 'a PowerPoint presentation',
  odt: 'an OpenDocument text',
  ods: 'an OpenDocument spreadsheet',
  odp: 'an OpenDocument presentation',
  epub: 'an EPUB book',
  jar: 'a Java archive',
  apk: 'an Android package',
  rtf: 'an RTF document',
  sqlite: 'an SQLite database',
};

function nameOf(type: { ext: string; mime: string }): string {
  const known = KNOWN[type.ext];
  if (known) return known;
  const kind = { image: 'an image', audio: 'an audio file', video: 'a video', font: 'a font' }[type.mime.split('/')[0]!];
  return kind ? `${kind} (.${type.ext})` : `a .${type.ext} file (${type.mime})`;
}

// A detector that fails on a malformed file has learnt nothing: Archon's own rules still apply.
const fileTypeOf = (bytes: Buffer) => fileTypeFromBuffer(bytes).catch(() => undefined);

type Sniffed =
  | { kind: 'pdf' }
  | { kind: 'docx' }
  | { kind: 'zip'; readable: boolean }
  | { kind: 'text'; text: string; html: boolean }
  | { kind: 'binary'; what: string };

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function startsWith(bytes: Buffer, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

// Readers accept a PDF header anywhere in the first KB (some generators
// prepend junk), so sniffing does too, unless what precedes it is text: a
// Markdown file about PDFs may well mention %PDF- near its top.
function isPdf(bytes: Buffer): boolean {
  const at = bytes.subarray(0, 1024).indexOf('%PDF-');
  return at === 0 || (at > 0 && textEncoding(bytes.subarray(0, at), true) === null);
}

function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, 2048).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || /<(head|body)[\s>]/.test(head);
}

async function sniff(bytes: Buffer, strictUtf8: boolean): Promise<Sniffed> {
  if (isPdf(bytes)) return { kind: 'pdf' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    // The part mammoth converts decides, whatever [Content_Types].xml claims.
    const names = zipEntryNames(bytes);
    if (names?.includes('word/document.xml')) return { kind: 'docx' };
    const known = await fileTypeOf(bytes);
    if (names && known && known.ext !== 'zip' && known.ext !== 'docx') return { kind: 'binary', what: nameOf(known) };
    return { kind: 'zip', readable: names !== null };
  }
  // Text first: some signatures are printable ("BM", "MZ", "ID3", "<?xml "), and bytes that read as text are text.
  const encoding = textEncoding(bytes, strictUtf8);
  if (encoding) {
    const text = decodeText(bytes, encoding);
    return { kind: 'text', text, html: looksLikeHtml(text) };
  }
  const known = await fileTypeOf(bytes);
  return { kind: 'binary', what: known ? nameOf(known) : 'binary data' };
}

function describe(s: Sniffed): string {
  switch (s.kind) {
    case 'pdf':
      return 'a PDF';
    case 'docx':
      return 'a Word document';
    case 'zip':
      return s.readable ? 'a ZIP archive' : 'a damaged ZIP archive';
    case 'text':
      return s.html ? 'HTML' : 'text';
    case 'binary':
      return s.what;
  }
}

/** Whether text shows nothing: whitespace, and the invisible format characters trim() keeps (zero-width spaces and joiners, BOMs). */
export const isBlank = (text: string) => /^[\s\u200b-\u200d\u2060\ufeff]*$/.test(text);

function textDocument(name: string, format: TextFormat, text: string): DetectedDocument {
  if (isBlank(text)) throw new DocumentRejected(`${name} is empty`);
  return { format, text };
}

/**
 * The format of an uploaded file, sniffed from its bytes and checked against
 * its extension; text formats come back decoded (LF line ends, no BOM).
 * Throws DocumentRejected for empty files, unsupported content and files
 * whose content is not what their extension says.
 */
export async function detectType(name: string, bytes: Buffer): Promise<DetectedDocument> {
  if (bytes.length === 0) throw new DocumentRejected(`${name} is empty`);
  const ext = extensionOf(name);
  const claimed = TEXT_EXTENSIONS[ext];

  if (ext === 'pdf') {
    const s = await sniff(bytes, true);
    if (s.kind !== 'pdf') throw new DocumentRejected(`${name} is not a PDF: its content looks like ${describe(s)}`);
    return { format: 'pdf' };
  }
  if (ext === 'docx') {
    const s = await sniff(bytes, true);
    if (s.kind === 'zip' && !s.readable)
      throw new DocumentRejected(`${name} is damaged or not a valid Word document (its ZIP structure cannot be read)`);
    if (s.kind === 'zip') throw new DocumentRejected(`${name} is a ZIP archive but not a Word document (it has no word/document.xml)`);
    if (s.kind !== 'docx') throw new DocumentRejected(`${name} is not a Word document: its content looks like ${describe(s)}`);
    return { format: 'docx' };
  }
  if (claimed) {
    // The extension says text, so a Windows-1252 file is believable.
    const s = await sniff(bytes, false);
    if (s.kind !== 'text') throw new DocumentRejected(`${name} is not ${TEXT_NOUN[claimed]}: its content looks like ${describe(s)}`);
    return textDocument(name, claimed, s.text);
  }

  const s = await sniff(bytes, true);
  switch (s.kind) {
    case 'pdf':
    case 'docx':
      return { format: s.kind };
    case 'text':
      return textDocument(name, s.html ? 'html' : 'text', s.text);
    default:
      throw new DocumentRejected(`${name} is not a supported type: ${SUPPORTED} (its content looks like ${describe(s)})`);
  }
}
