import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DocumentRejected } from '../../server/services/converters/document-rejected';
import { documentToMarkdown, inspectDocument } from '../../server/services/converters/to-markdown';

type Fonts = { body: PDFFont; bold: PDFFont; mono: PDFFont };
type Line = { text: string; font: keyof Fonts; size: number; x?: number; gap?: number };

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/documents', name));

/** Writes each page's lines top-down with a running header and a "Page n of N" footer. */
async function buildPdf(pages: Line[][], options: { title?: string; furniture?: boolean } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  if (options.title) doc.setTitle(options.title);
  const fonts: Fonts = {
    body: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  pages.forEach((lines, n) => {
    const page: PDFPage = doc.addPage([612, 792]);
    if (options.furniture !== false) {
      page.drawText('ACME Handbook - Internal', { x: 72, y: 750, size: 9, font: fonts.body });
      page.drawText(`Page ${n + 1} of ${pages.length}`, { x: 280, y: 40, size: 9, font: fonts.body });
    }
    let y = 700;
    for (const line of lines) {
      y -= line.gap ?? line.size * 1.25;
      page.drawText(line.text, { x: line.x ?? 72, y, size: line.size, font: fonts[line.font] });
    }
  });
  return Buffer.from(await doc.save());
}

const body = (text: string, gap?: number): Line => ({ text, font: 'body', size: 11, gap });
const code = (text: string, gap?: number): Line => ({ text, font: 'mono', size: 10, gap });

function fenceLines(markdown: string): string[] {
  return markdown.split('\n').filter((l) => /^\s*(`{3,}|~{3,})/.test(l));
}

describe('documentToMarkdown: PDF', () => {
  let markdown: string;
  let result: Awaited<ReturnType<typeof documentToMarkdown>>;

  beforeAll(async () => {
    // Page 1 ends in the middle of a code block that page 2 finishes.
    const filler = Array.from({ length: 20 }, (_, i) => body(`Filler sentence number ${i} keeps the reader busy.`, i === 0 ? 30 : 30));
    const pdf = await buildPdf(
      [
        [
          { text: 'Getting Started', font: 'bold', size: 22 },
          body('This handbook explains how the service is installed', 34),
          body('and how it is configured for production.'),
          { text: 'Greeting users', font: 'bold', size: 16, gap: 34 },
          body('The function below greets a user by name.', 28),
          ...filler.slice(0, 12),
          code('function greet(name) {', 28),
          code('  const message = "hello " + name;'),
        ],
        [code('  console.log(message);', 12), code('  return message;'), code('}'), body('After the code block the text goes on.', 30)],
      ],
      { title: 'Metadata Title' },
    );
    result = await documentToMarkdown('handbook.pdf', pdf);
    markdown = result.markdown;
  });

  it('has the text of every page and a page count', () => {
    expect(result.format).toBe('pdf');
    expect(result.pageCount).toBe(2);
    expect(markdown).toContain('This handbook explains how the service is installed and how it is configured for production.');
    expect(markdown).toContain('Filler sentence number 11 keeps the reader busy.');
    expect(markdown).toContain('After the code block the text goes on.');
  });

  it('turns bigger text into headings by size and takes the first H1 as title', () => {
    expect(markdown.startsWith('# Getting Started\n')).toBe(true);
    expect(markdown).toContain('\n## Greeting users\n');
    expect(result.title).toBe('Getting Started');
  });

  it('keeps one code fence across the page break, with indentation, and drops header and footer', () => {
    expect(fenceLines(markdown)).toEqual(['```', '```']);
    expect(markdown).toContain('```\nfunction greet(name) {\n  const message = "hello " + name;\n  console.log(message);\n  return message;\n}\n```');
    expect(markdown).not.toContain('ACME Handbook');
    expect(markdown).not.toMatch(/Page \d of 2/);
  });

  it('falls back to the metadata title, then the file name', async () => {
    const noHeading = await buildPdf([[body('Only a paragraph here.')]], { title: 'Metadata Title', furniture: false });
    expect((await documentToMarkdown('x.pdf', noHeading)).title).toBe('Metadata Title');
    const bare = await buildPdf([[body('Only a paragraph here.')]], { furniture: false });
    const converted = await documentToMarkdown('release-notes.pdf', bare);
    expect(converted.title).toBe('release-notes');
    expect(converted.markdown).toBe('Only a paragraph here.');
  });

  it('repairs a literal ``` fence cut by a page break and closes one left open', async () => {
    const pdf = await buildPdf([
      [body('Example:'), body('```js', 20), body('let a = 1;')],
      [body('let b = 2;', 12), body('```'), body('Then an unterminated one:', 20), body('```'), body('x = 1')],
    ]);
    const md = (await documentToMarkdown('fences.pdf', pdf)).markdown;
    expect(md).toContain('```js\nlet a = 1;\nlet b = 2;\n```');
    expect(md.endsWith('```\nx = 1\n```')).toBe(true);
    expect(fenceLines(md)).toHaveLength(4);
    expect(md).not.toMatch(/Page \d of 2/);
  });
});

describe('documentToMarkdown: PDF rejections', () => {
  async function rejection(name: string, bytes: Buffer): Promise<string> {
    const err = await documentToMarkdown(name, bytes).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DocumentRejected);
    return (err as DocumentRejected).reason;
  }

  it('rejects the encrypted fixture at inspection and at conversion', async () => {
    const encrypted = fixture('encrypted.pdf');
    expect(encrypted.subarray(0, 5).toString()).toBe('%PDF-');
    await expect(inspectDocument('secret.pdf', encrypted)).rejects.toThrow(/^secret\.pdf is encrypted \(password protected\)/);
    expect(await rejection('secret.pdf', encrypted)).toMatch(/^secret\.pdf is encrypted \(password protected\)/);
  });

  it('rejects truncated and garbled PDFs as damaged', async () => {
    const good = await buildPdf([[body('Some text.')]]);
    expect(await rejection('cut.pdf', good.subarray(0, Math.floor(good.length / 2)))).toBe('cut.pdf is damaged or not a valid PDF');
    const garbled = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251))]);
    expect(await rejection('noise.pdf', garbled)).toBe('noise.pdf is damaged or not a valid PDF');
    await expect(inspectDocument('noise.pdf', garbled)).rejects.toThrow('noise.pdf is damaged or not a valid PDF');
  });

  it('rejects a PDF without a text layer', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawRectangle({ x: 50, y: 50, width: 300, height: 400 });
    const scanned = Buffer.from(await doc.save());
    // Opening works: only conversion finds there is no text.
    expect(await inspectDocument('scan.pdf', scanned)).toEqual({ format: 'pdf' });
    expect(await rejection('scan.pdf', scanned)).toMatch(/^scan\.pdf has no text layer \(scanned images\?\)/);
  });
});
