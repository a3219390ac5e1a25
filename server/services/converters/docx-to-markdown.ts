import { DocumentRejected } from './document-rejected';
import { DOCX_STYLE_MAP, markCode } from './docx-styles';
import { uploadedHtmlToMarkdown } from './uploaded-html';
import { DEFAULT_ZIP_LIMITS, inspectZip, readZipText, verifyZipEntries, type ZipLimits } from './zip-guard';

export type DocxMarkdown = { markdown: string; coreTitle: string | null };

const MAIN_PART = 'word/document.xml';
const CORE_PROPERTIES = 'docProps/core.xml';

/**
 * Checks a Word file without converting it: a readable zip whose declared
 * sizes are within `limits` and that has a main document part.
 */
export async function inspectDocx(name: string, bytes: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<void> {
  const { entries } = await inspectZip(bytes, limits, name);
  if (!entries.includes(MAIN_PART)) throw new DocumentRejected(`${name} is a ZIP archive but not a Word document (it has no ${MAIN_PART})`);
}

async function coreTitle(name: string, bytes: Buffer): Promise<string | null> {
  try {
    const xml = await readZipText(bytes, name, CORE_PROPERTIES, 64 * 1024);
    const m = xml && /<dc:title>([^<]*)<\/dc:title>/.exec(xml);
    const title = m?.[1]
      ?.replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&')
      .trim();
    return title || null;
  } catch {
    return null;
  }
}

/**
 * A Word document as Markdown: headings, lists, tables, links and code
 * (code paragraph styles or fixed-pitch fonts) survive; images are dropped
 * (their bytes are never read). Throws DocumentRejected for zip bombs and
 * damaged files.
 */
export async function docxToMarkdown(name: string, bytes: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<DocxMarkdown> {
  await inspectDocx(name, bytes, limits);
  // Mammoth inflates whole parts in memory trusting the headers; inflating
  // them once here, bounded by the sizes inspectDocx accepted, catches a
  // header that lies. Images are skipped: the converter below never reads them.
  await verifyZipEntries(bytes, name, (entry) => !entry.startsWith('word/media/'));

  let html: string;
  try {
    // Loaded on first use: a process that never converts a DOCX does not carry mammoth.
    const { default: mammoth } = await import('mammoth');
    const result = await mammoth.convertToHtml(
      { buffer: bytes },
      {
        styleMap: DOCX_STYLE_MAP,
        transformDocument: markCode,
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
        externalFileAccess: false,
      },
    );
    html = result.value;
  } catch (err) {
    throw new DocumentRejected(`${name} is damaged or not a valid Word document`, { cause: err });
  }
  const page = uploadedHtmlToMarkdown(`<!doctype html><html><body><main>${html}</main></body></html>`);
  return { markdown: page.markdown, coreTitle: await coreTitle(name, bytes) };
}
