import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectType } from '../../server/services/converters/detect-type';
import { DocumentRejected } from '../../server/services/converters/document-rejected';
import { inspectDocument } from '../../server/services/converters/to-markdown';
import { makeZip } from '../fixtures/documents/make-zip';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
let pdf: Buffer;
const docx = makeZip([
  { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
  { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
]);
const workbook = makeZip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);

beforeAll(async () => {
  const doc = await PDFDocument.create();
  doc.addPage();
  pdf = Buffer.from(await doc.save());
});

async function reason(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentRejected);
    return (err as DocumentRejected).reason;
  }
  throw new Error('expected a rejection');
}

describe('detectType: content against extension', () => {
  it('recognises each supported format from its bytes', async () => {
    expect((await detectType('a.pdf', pdf)).format).toBe('pdf');
    expect((await detectType('a.docx', docx)).format).toBe('docx');
    expect(await detectType('a.md', Buffer.from('# Hi\n'))).toEqual({ format: 'markdown', text: '# Hi\n' });
    expect((await detectType('a.markdown', Buffer.from('x'))).format).toBe('markdown');
    expect((await detectType('a.txt', Buffer.from('plain'))).format).toBe('text');
    expect((await detectType('a.htm', Buffer.from('<p>x</p>'))).format).toBe('html');
    expect((await detectType('a.rst', Buffer.from('Title\n=====\n'))).format).toBe('rst');
    expect((await detectType('a.rest', Buffer.from('Title\n=====\n'))).format).toBe('rst');
  });

  it('rejects a PDF named .docx, a PNG named .md and a zip named .pdf, naming the file', async () => {
    expect(await reason(() => detectType('notes.docx', pdf))).toBe('notes.docx is not a Word document: its content looks like a PDF');
    expect(await reason(() => detectType('readme.md', PNG))).toBe('readme.md is not a Markdown file: its content looks like a PNG image');
    expect(await reason(() => detectType('report.pdf', docx))).toBe('report.pdf is not a PDF: its content looks like a Word document');
    expect(await reason(() => detectType('report.pdf', workbook))).toBe('report.pdf is not a PDF: its content looks like a ZIP archive');
    expect(await reason(() => detectType('report.pdf', Buffer.from('just some words')))).toBe('report.pdf is not a PDF: its content looks like text');
  });

  it('tells a zip that is not a Word document apart', async () => {
    expect(await reason(() => detectType('budget.docx', workbook))).toMatch(/^budget\.docx is a ZIP archive but not a Word document/);
  });

  it('requires text in text-like extensions', async () => {
    expect(await reason(() => detectType('page.html', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04])))).toBe(
      'page.html is not an HTML file: its content looks like binary data',
    );
    expect(await reason(() => detectType('guide.rst', pdf))).toBe('guide.rst is not a reStructuredText file: its content looks like a PDF');
  });

  it('rejects empty and whitespace-only files', async () => {
    expect(await reason(() => detectType('empty.md', Buffer.alloc(0)))).toBe('empty.md is empty');
    expect(await reason(() => detectType('blank.txt', Buffer.from(' \n\t\r\n ')))).toBe('blank.txt is empty');
    expect(await reason(() => detectType('empty.pdf', Buffer.alloc(0)))).toBe('empty.pdf is empty');
  });

  it('accepts unknown extensions by content and rejects unsupported content', async () => {
    expect((await detectType('LICENSE', Buffer.from('MIT License\n'))).format).toBe('text');
    expect((await detectType('notes.log', Buffer.from('line one\n'))).format).toBe('text');
    expect((await detectType('page.php', Buffer.from('<!DOCTYPE html><html><body>x</body></html>'))).format).toBe('html');
    expect((await detectType('download', pdf)).format).toBe('pdf');
    expect(await reason(() => detectType('photo.png', PNG))).toBe(
      'photo.png is not a supported type: PDF, DOCX, Markdown, text, HTML or reStructuredText (its content looks like a PNG image)',
    );
    expect(await reason(() => detectType('data.xlsx', workbook))).toMatch(
      /^data\.xlsx is not a supported type: .* \(its content looks like a ZIP archive\)$/,
    );
  });

  it('does not take a Markdown file that mentions %PDF- for a PDF', async () => {
    expect((await detectType('about.md', Buffer.from('Files start with `%PDF-1.7`.\n'))).format).toBe('markdown');
  });

  it('decodes Windows-1252 and UTF-16 text', async () => {
    const cp1252 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x93, 0x71, 0x94, 0x0d, 0x0a]);
    expect(await detectType('menu.txt', cp1252)).toEqual({ format: 'text', text: 'Café “q”\n' });
    // Without a text extension only UTF-8 is believed.
    expect(await reason(() => detectType('menu', cp1252))).toMatch(/^menu is not a supported type: .*binary data/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Über\r\n', 'utf16le')]);
    expect(await detectType('u.md', utf16)).toEqual({ format: 'markdown', text: '# Über\n' });
  });
});

describe('detectType: binary formats named by file-type, text by Archon', () => {
  const contentTypes = (main: string) =>
    Buffer.from(
      `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/x" ContentType="${main}"/></Types>`,
    );
  const xlsx = makeZip([
    { name: '[Content_Types].xml', data: contentTypes('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml') },
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
  ]);
  const gzip = Buffer.from('1f8b0800000000000003cb48cdc9c9070086a6103605000000', 'hex');
  const mp4 = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb', 'hex');

  it('says what a binary file is, in words or by its kind and extension', async () => {
    expect(await reason(() => detectType('budget.docx', xlsx))).toBe('budget.docx is not a Word document: its content looks like an Excel workbook');
    expect(await reason(() => detectType('notes.md', gzip))).toBe('notes.md is not a Markdown file: its content looks like a gzip archive');
    expect(await reason(() => detectType('photo.txt', jpeg))).toBe('photo.txt is not a text file: its content looks like a JPEG image');
    expect(await reason(() => detectType('clip', mp4))).toMatch(/^clip is not a supported type: .*\(its content looks like a video \(\.mp4\)\)$/);
  });

  it('keeps text whose first bytes happen to be a signature (BMP "BM", DOS "MZ", MP3 "ID3", XML) as text', async () => {
    expect(await detectType('cars.md', Buffer.from('BMW and Audi\n'))).toEqual({ format: 'markdown', text: 'BMW and Audi\n' });
    expect(await detectType('notes', Buffer.from('MZ is a prefix\n'))).toEqual({ format: 'text', text: 'MZ is a prefix\n' });
    expect((await detectType('tags.txt', Buffer.from('ID3 tags, explained\n'))).format).toBe('text');
    expect((await detectType('feed.txt', Buffer.from('<?xml version="1.0"?><a/>\n'))).format).toBe('text');
    // Windows-1252 text in a text extension, too.
    expect(await detectType('cars.txt', Buffer.from([0x42, 0x4d, 0x57, 0x20, 0x43, 0x61, 0x66, 0xe9]))).toEqual({ format: 'text', text: 'BMW Café' });
  });

  it('finds a PDF header after junk bytes, which file-type does not', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x00, 0x01]), pdf]);
    expect((await detectType('scan.pdf', junk)).format).toBe('pdf');
  });
});

describe('inspectDocument', () => {
  it('returns the format without converting', async () => {
    expect(await inspectDocument('a.pdf', pdf)).toEqual({ format: 'pdf' });
    expect(await inspectDocument('a.md', Buffer.from('# x'))).toEqual({ format: 'markdown' });
  });

  it('rejects a PDF with more pages than allowed', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 3; i++) doc.addPage();
    const three = Buffer.from(await doc.save());
    await expect(inspectDocument('long.pdf', three, { maxPdfPages: 2 })).rejects.toThrow('long.pdf has 3 pages, over the limit of 2');
    expect(await inspectDocument('long.pdf', three, { maxPdfPages: 3 })).toEqual({ format: 'pdf' });
  });
});
