import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

// pdf.js costs about 100 MB once loaded; a process that never sees a PDF should not pay it.
const loadPdfjs = () => import('pdfjs-dist/legacy/build/pdf.mjs');

import { DocumentRejected } from './document-rejected';

// Opening a PDF parses its header, cross-reference table and trailer, which
// is where encryption and most damage show; text is only read page by page
// later. So the same open serves the cheap check at upload time and the
// conversion.

export const DEFAULT_MAX_PDF_PAGES = 2000;

/** What a pdfjs failure says about the file: encrypted, or damaged. */
export function pdfRejection(name: string, err: unknown): DocumentRejected {
  const kind = (err as { name?: string } | null)?.name;
  if (kind === 'PasswordException') {
    return new DocumentRejected(`${name} is encrypted (password protected); remove the password and upload it again`, { cause: err });
  }
  return new DocumentRejected(`${name} is damaged or not a valid PDF`, { cause: err });
}

/**
 * Opens a PDF with pdfjs set up for a server: no eval, no font loading, no
 * console noise. Rejects encrypted and unreadable files, and files with more
 * than `maxPages` pages. The caller must `destroy()` the returned document.
 */
export async function openPdf(name: string, bytes: Buffer, maxPages: number): Promise<PDFDocumentProxy> {
  const { getDocument, VerbosityLevel } = await loadPdfjs();
  const task = getDocument({
    // pdfjs takes ownership of (detaches) the buffer it is given: hand it a copy.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    stopAtErrors: false,
    verbosity: VerbosityLevel.ERRORS,
  });
  let pdf: PDFDocumentProxy;
  try {
    pdf = await task.promise;
  } catch (err) {
    await task.destroy().catch(() => {});
    throw pdfRejection(name, err);
  }
  if (pdf.numPages > maxPages) {
    await pdf.destroy();
    throw new DocumentRejected(`${name} has ${pdf.numPages} pages, over the limit of ${maxPages}`);
  }
  return pdf;
}
