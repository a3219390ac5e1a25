import { describe, expect, it } from 'vitest';
import { pdfLinesToMarkdown } from '../../server/services/converters/pdf-blocks';
import type { PdfLine } from '../../server/services/converters/pdf-lines';
import { removePageFurniture } from '../../server/services/converters/pdf-page-furniture';

const line = (text: string, y: number, extra: Partial<PdfLine> = {}): PdfLine => ({ text, x: 72, y, size: 11, mono: false, charWidth: 0, ...extra });
const mono = (text: string, y: number, x = 72): PdfLine => line(text, y, { mono: true, charWidth: 6, x, size: 10 });
const page = (lines: PdfLine[]) => ({ lines, bottom: 0, top: 792 });

describe('removePageFurniture', () => {
  it('drops running headers and page numbers in the margins, and nothing else', () => {
    const pages = [1, 2, 3, 4].map((n) =>
      page([
        line(`Chapter 2 - Install (rev ${n})`, 760, { size: 8 }),
        line('Same opening sentence on every page.', 700),
        line(`Body of page ${n}.`, 680),
        mono('}', 60),
        line(`${n}`, 30, { size: 8 }),
      ]),
    );
    const kept = removePageFurniture(pages).map((lines) => lines.map((l) => l.text));
    expect(kept[2]).toEqual(['Same opening sentence on every page.', 'Body of page 3.', '}']);
  });

  it('keeps a one-off top line and a lone page number only outside the margin band', () => {
    const kept = removePageFurniture([page([line('Title of the report', 770), line('42', 400), line('iv', 20)])]);
    expect(kept[0]!.map((l) => l.text)).toEqual(['Title of the report', '42']);
  });
});

describe('pdfLinesToMarkdown', () => {
  it('rebuilds code indentation and keeps blank lines inside code', () => {
    const md = pdfLinesToMarkdown([[mono('def f():', 500), mono('return 1', 488, 96), mono('f()', 464)]], true);
    expect(md).toBe('```\ndef f():\n    return 1\n\nf()\n```');
  });

  it('treats fixed pitch as plain text when told the whole document is fixed pitch', () => {
    const md = pdfLinesToMarkdown([[mono('Plain words in Courier.', 500), mono('More words.', 488)]], false);
    expect(md).toBe('Plain words in Courier. More words.');
  });

  it('joins hyphenated lines, makes tight lists and escapes accidental Markdown', () => {
    const md = pdfLinesToMarkdown(
      [[line('The conver-', 500), line('sion works.', 487), line('• first', 450), line('• second', 437), line('# not a heading', 400)]],
      true,
    );
    expect(md).toBe('The conversion works.\n\n- first\n- second\n\n\\# not a heading');
  });

  it('continues a paragraph across a page break unless the sentence ended', () => {
    const md = pdfLinesToMarkdown([[line('This sentence runs', 100)], [line('onto the next page.', 700), line('Next paragraph.', 660)]], true);
    expect(md).toBe('This sentence runs onto the next page.\n\nNext paragraph.');
    const ended = pdfLinesToMarkdown([[line('Done here.', 100)], [line('New start.', 700)]], true);
    expect(ended).toBe('Done here.\n\nNew start.');
  });
});
