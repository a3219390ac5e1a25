import type { TextContent } from 'pdfjs-dist/types/src/display/api';
import { DocumentRejected } from './document-rejected';
import { pdfLinesToMarkdown } from './pdf-blocks';
import { type PdfLine, pageLines } from './pdf-lines';
import { DEFAULT_MAX_PDF_PAGES, openPdf, pdfRejection } from './pdf-open';
import { type PdfPage, removePageFurniture } from './pdf-page-furniture';

export type PdfMarkdown = { markdown: string; pageCount: number; metadataTitle: string | null };

// A document set entirely in a fixed-pitch font (a text file printed to PDF)
// tells nothing about code by its font.
const MONO_SHARE_FOR_PLAIN = 0.8;

function monoIsCode(lines: PdfLine[]): boolean {
  let mono = 0;
  let total = 0;
  for (const line of lines) {
    total += line.text.length;
    if (line.mono) mono += line.text.length;
  }
  return mono < total * MONO_SHARE_FOR_PLAIN;
}

async function metadataTitle(pdf: { getMetadata(): Promise<{ info: object }> }): Promise<string | null> {
  try {
    const { info } = await pdf.getMetadata();
    const title = (info as { Title?: unknown }).Title;
    return typeof title === 'string' && title.trim() ? title.trim() : null;
  } catch {
    // A broken Info dictionary costs the title, not the document.
    return null;
  }
}

/**
 * The text of a PDF as Markdown, page by page: lines grouped by baseline,
 * paragraphs by gaps, fixed-pitch runs as code blocks, running headers and
 * page numbers dropped. Throws DocumentRejected for encrypted, damaged,
 * oversized and image-only PDFs.
 */
export async function pdfToMarkdown(name: string, bytes: Buffer, maxPages = DEFAULT_MAX_PDF_PAGES): Promise<PdfMarkdown> {
  const pdf = await openPdf(name, bytes, maxPages);
  try {
    const pages: PdfPage[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      let content: TextContent;
      let view: number[];
      try {
        const page = await pdf.getPage(n);
        view = page.view;
        content = await page.getTextContent();
        // Frees the page's parsed resources (fonts, operator lists) as we go.
        page.cleanup();
      } catch (err) {
        // Only pdfjs failures say something about the file; ours are bugs.
        throw pdfRejection(name, err);
      }
      const [, bottom = 0, , top = 792] = view;
      pages.push({ lines: pageLines(content), bottom, top });
    }
    const all = pages.flatMap((page) => page.lines);
    if (!all.some((line) => /[\p{L}\p{N}]/u.test(line.text))) {
      throw new DocumentRejected(`${name} has no text layer (scanned images?); only PDFs with selectable text can be converted`);
    }
    const markdown = pdfLinesToMarkdown(removePageFurniture(pages), monoIsCode(all));
    return { markdown, pageCount: pdf.numPages, metadataTitle: await metadataTitle(pdf) };
  } finally {
    await pdf.destroy();
  }
}
