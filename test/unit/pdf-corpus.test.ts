import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentToMarkdown } from '../../server/services/converters/to-markdown';
import { fencedBlocks, PDF_CORPUS, pdfBytes, scoreMarkdown } from '../fixtures/pdf-corpus';

// Golden tests on real PDFs from Debian's documentation packages (see
// test/fixtures/pdf-corpus.ts). Without the packages the tests are skipped on a
// developer's machine; CI installs them (.ci/setup-system.sh), so there a
// missing PDF fails.

/** The headings of a Markdown text, fenced code aside. */
function headings(markdown: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^(`{3,}|~{3,})/.test(line)) fence = !fence;
    else if (!fence && /^#{1,6} /.test(line)) out.push(line.replace(/^#+ /, ''));
  }
  return out;
}

for (const pdf of PDF_CORPUS) {
  const present = fs.existsSync(pdf.file);
  describe.skipIf(!present && !process.env.CI)(`PDF corpus: ${pdf.name} (${pdf.pkg} ${pdf.version}, ${pdf.generator})`, () => {
    let markdown = '';

    beforeAll(async () => {
      const bytes = await pdfBytes(pdf);
      if (!bytes) throw new Error(`${pdf.file} is missing: apt-get install ${pdf.pkg} (.ci/setup-system.sh installs it)`);
      markdown = (await documentToMarkdown(`${pdf.name}.pdf`, bytes)).markdown;
    }, 120_000);

    it('keeps the golden passages intact', () => {
      expect(scoreMarkdown(pdf, markdown).missing).toEqual([]);
    });

    it('has the headings, and none made of contents or index entries', () => {
      const found = headings(markdown);
      expect(pdf.headings.filter((h) => !found.includes(h))).toEqual([]);
      expect(found.filter((h) => /(\.\s?){4,}\s*\S+$/.test(h))).toEqual([]);
    });

    it('keeps each listing in one fenced block with its spacing', () => {
      const blocks = fencedBlocks(markdown);
      expect(pdf.code.filter((code) => !blocks.some((block) => block.includes(code)))).toEqual([]);
    });

    it('leaks no running header, footer or page number, and nothing that must not appear', () => {
      expect(scoreMarkdown(pdf, markdown).furnitureLines).toEqual([]);
      const leaked = pdf.absent.filter((a) => (typeof a === 'string' ? markdown.includes(a) : a.test(markdown)));
      expect(leaked).toEqual([]);
    });
  });
}
