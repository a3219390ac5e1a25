// Which converter an uploaded file goes to. The bytes decide, not the name:
// an extension only says what the uploader expects, so a file whose content
// contradicts it is refused with a reason rather than converted as garbage.

import { DocumentRejected } from './document-rejected';
import { decodeText, textEncoding } from './text-bytes';
import { zipEntryNames } from './zip-directory';

export type DocumentFormat = 'pdf' | 'docx' | 'markdown' | 'text' | 'html' | 'rst';

export type DetectedDocument =
  | { format: 'pdf' | 'docx' }
  | { format: 'markdown' | 'text' | 'html' | 'rst'; text: string };

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

// Signatures of the binary formats people upload by mistake, so that the
// reason can say what the file is instead of "binary data".
const MAGIC: Array<[prefix: number[], what: string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Office document (.doc, .xls)'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable'],
];

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

function sniff(bytes: Buffer, strictUtf8: boolean): Sniffed {
  if (isPdf(bytes)) return { kind: 'pdf' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    const names = zipEntryNames(bytes);
    return names?.includes('word/document.xml') ? { kind: 'docx' } : { kind: 'zip', readable: names !== null };
  }
  const magic = MAGIC.find(([prefix]) => startsWith(bytes, prefix));
  if (magic) return { kind: 'binary', what: magic[1] };
  const encoding = textEncoding(bytes, strictUtf8);
  if (!encoding) return { kind: 'binary', what: 'binary data' };
  const text = decodeText(bytes, encoding);
  return { kind: 'text', text, html: looksLikeHtml(text) };
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

function textDocument(name: string, format: TextFormat, text: string): DetectedDocument {
  if (!text.trim()) throw new DocumentRejected(`${name} is empty`);
  return { format, text };
}

/**
 * The format of an uploaded file, sniffed from its bytes and checked against
 * its extension; text formats come back decoded (LF line ends, no BOM).
 * Throws DocumentRejected for empty files, unsupported content and files
 * whose content is not what their extension says.
 */
export function detectType(name: string, bytes: Buffer): DetectedDocument {
  if (bytes.length === 0) throw new DocumentRejected(`${name} is empty`);
  const ext = extensionOf(name);
  const claimed = TEXT_EXTENSIONS[ext];

  if (ext === 'pdf') {
    const s = sniff(bytes, true);
    if (s.kind !== 'pdf') throw new DocumentRejected(`${name} is not a PDF: its content looks like ${describe(s)}`);
    return { format: 'pdf' };
  }
  if (ext === 'docx') {
    const s = sniff(bytes, true);
    if (s.kind === 'zip' && !s.readable) throw new DocumentRejected(`${name} is damaged or not a valid Word document (its ZIP structure cannot be read)`);
    if (s.kind === 'zip') throw new DocumentRejected(`${name} is a ZIP archive but not a Word document (it has no word/document.xml)`);
    if (s.kind !== 'docx') throw new DocumentRejected(`${name} is not a Word document: its content looks like ${describe(s)}`);
    return { format: 'docx' };
  }
  if (claimed) {
    // The extension says text, so a Windows-1252 file is believable.
    const s = sniff(bytes, false);
    if (s.kind !== 'text') throw new DocumentRejected(`${name} is not ${TEXT_NOUN[claimed]}: its content looks like ${describe(s)}`);
    return textDocument(name, claimed, s.text);
  }

  const s = sniff(bytes, true);
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
