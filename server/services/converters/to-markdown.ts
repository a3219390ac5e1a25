import { collapseBlankLines } from '../markdown/markdown-fences';
import { type DocumentFormat, detectType, isBlank } from './detect-type';
import { DocumentRejected } from './document-rejected';
import { docxToMarkdown, inspectDocx } from './docx-to-markdown';
import { firstH1, stripFrontMatter } from './markdown-title';
import { DEFAULT_MAX_PDF_PAGES, openPdf } from './pdf-open';
import { pdfToMarkdown } from './pdf-to-markdown';
import { rstToMarkdown } from './rst-to-markdown';
import { uploadedHtmlToMarkdown } from './uploaded-html';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-guard';

export type { DocumentFormat };
export type ConvertedDocument = { format: DocumentFormat; title: string; markdown: string; pageCount?: number };
export type DocumentLimits = { maxPdfPages: number; zip: ZipLimits };

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { maxPdfPages: DEFAULT_MAX_PDF_PAGES, zip: DEFAULT_ZIP_LIMITS };

function withDefaults(limits: Partial<DocumentLimits> | undefined): DocumentLimits {
  return { ...DEFAULT_DOCUMENT_LIMITS, ...limits };
}

function baseName(name: string): string {
  const file = name.split(/[\\/]/).pop() || name;
  return file.replace(/\.[^.]+$/, '') || file;
}

/**
 * Cheap checks run when the file is received, before any job work: type
 * sniffing, empty files, encrypted/corrupt PDF (open the PDF header/xref with
 * pdfjs, no text extraction), zip bomb DOCX. Throws DocumentRejected.
 */
export async function inspectDocument(name: string, bytes: Buffer, limits?: Partial<DocumentLimits>): Promise<{ format: DocumentFormat }> {
  const { maxPdfPages, zip } = withDefaults(limits);
  const detected = await detectType(name, bytes);
  if (detected.format === 'pdf') await (await openPdf(name, bytes, maxPdfPages)).destroy();
  if (detected.format === 'docx') await inspectDocx(name, bytes, zip);
  return { format: detected.format };
}

/** Full conversion. Throws DocumentRejected for bad files. */
export async function documentToMarkdown(name: string, bytes: Buffer, limits?: Partial<DocumentLimits>): Promise<ConvertedDocument> {
  const { maxPdfPages, zip } = withDefaults(limits);
  const detected = await detectType(name, bytes);
  let markdown: string;
  let metadataTitle: string | null = null;
  let pageCount: number | undefined;

  switch (detected.format) {
    case 'pdf': {
      const pdf = await pdfToMarkdown(name, bytes, maxPdfPages);
      ({ markdown, metadataTitle, pageCount } = pdf);
      break;
    }
    case 'docx': {
      const docx = await docxToMarkdown(name, bytes, zip);
      ({ markdown, coreTitle: metadataTitle } = docx);
      break;
    }
    case 'html': {
      const page = uploadedHtmlToMarkdown(detected.text);
      markdown = page.markdown;
      metadataTitle = page.title || null;
      break;
    }
    case 'markdown': {
      const stripped = stripFrontMatter(detected.text);
      markdown = stripped.markdown;
      metadataTitle = stripped.title;
      break;
    }
    case 'rst':
      markdown = rstToMarkdown(detected.text);
      break;
    case 'text':
      // Plain text is already valid Markdown; it only loses hard line breaks.
      markdown = detected.text;
      break;
  }

  // PostgreSQL text cannot hold NUL, which a PDF font's broken ToUnicode map can produce for a glyph: stored, it failed
  // the file on every retry. Text formats are decoded without it already.
  markdown = markdown.replace(/\u0000/g, '');
  metadataTitle = metadataTitle?.replace(/\u0000/g, '') || null;
  markdown = detected.format === 'markdown' || detected.format === 'text' ? markdown.trim() : collapseBlankLines(markdown);
  if (isBlank(markdown)) throw new DocumentRejected(`${name} has no text to convert`);
  // Front matter names the document on purpose; elsewhere the first H1 is what a reader sees.
  const title = (detected.format === 'markdown' && metadataTitle) || firstH1(markdown) || metadataTitle || baseName(name);
  return { format: detected.format, title, markdown, ...(pageCount !== undefined ? { pageCount } : {}) };
}
