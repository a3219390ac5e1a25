import { AlignmentType, Document, HeadingLevel, LevelFormat, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { beforeAll, describe, expect, it } from 'vitest';
import { DocumentRejected } from '../../server/services/converters/document-rejected';
import { documentToMarkdown, inspectDocument } from '../../server/services/converters/to-markdown';
import { makeZip } from '../fixtures/documents/make-zip';

async function buildDocx(): Promise<Buffer> {
  const doc = new Document({
    title: 'Core Properties Title',
    styles: { paragraphStyles: [{ id: 'Code', name: 'Code', basedOn: 'Normal', run: { font: 'Courier New' } }] },
    numbering: {
      config: [{ reference: 'steps', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }] }],
    },
    sections: [
      {
        children: [
          new Paragraph({ text: 'Deployment Guide', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Run '), new TextRun({ text: 'make deploy', font: 'Consolas' }), new TextRun(' from the root.')] }),
          new Paragraph({ text: 'Requirements', heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ text: 'Node 20', bullet: { level: 0 } }),
          new Paragraph({ text: 'PostgreSQL 16', bullet: { level: 0 } }),
          new Paragraph({ text: 'Steps', heading: HeadingLevel.HEADING_3 }),
          new Paragraph({ text: 'Build the image', numbering: { reference: 'steps', level: 0 } }),
          new Paragraph({ text: 'Push it', numbering: { reference: 'steps', level: 0 } }),
          new Table({
            rows: [
              new TableRow({
                children: [new TableCell({ children: [new Paragraph('Variable')] }), new TableCell({ children: [new Paragraph('Default')] })],
              }),
              new TableRow({
                children: [new TableCell({ children: [new Paragraph('PORT')] }), new TableCell({ children: [new Paragraph('8080')] })],
              }),
            ],
          }),
          new Paragraph({ text: 'docker build -t app .', style: 'Code' }),
          new Paragraph({ text: '  --build-arg MODE=prod', style: 'Code' }),
          new Paragraph('Or, in SQL:'),
          new Paragraph({ children: [new TextRun({ text: 'SELECT 1;', font: 'Courier New' })] }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentRejected);
  return (err as DocumentRejected).reason;
}

describe('documentToMarkdown: DOCX', () => {
  let result: Awaited<ReturnType<typeof documentToMarkdown>>;

  beforeAll(async () => {
    result = await documentToMarkdown('guide.docx', await buildDocx());
  });

  it('maps headings, lists and tables to Markdown', () => {
    expect(result.format).toBe('docx');
    expect(result.title).toBe('Deployment Guide');
    const md = result.markdown;
    expect(md.startsWith('# Deployment Guide\n\n')).toBe(true);
    expect(md).toContain('\n## Requirements\n');
    expect(md).toContain('\n### Steps\n');
    expect(md).toContain('- Node 20\n- PostgreSQL 16');
    expect(md).toContain('1. Build the image\n2. Push it');
    expect(md).toContain('| Variable | Default |\n| --- | --- |\n| PORT | 8080 |');
  });

  it('turns Code-style paragraphs and fixed-pitch text into code', () => {
    const md = result.markdown;
    expect(md).toContain('Run `make deploy` from the root.');
    expect(md).toContain('```\ndocker build -t app .\n  --build-arg MODE=prod\n```');
    expect(md).toContain('Or, in SQL:\n\n```\nSELECT 1;\n```');
  });

  it('uses the core title when there is no heading', async () => {
    const doc = new Document({ title: 'From Core', sections: [{ children: [new Paragraph('Just text.')] }] });
    const converted = await documentToMarkdown('memo.docx', await Packer.toBuffer(doc));
    expect(converted).toEqual({ format: 'docx', title: 'From Core', markdown: 'Just text.' });
  });

  it('rejects a damaged Word document', async () => {
    const broken = makeZip([{ name: 'word/document.xml', data: Buffer.from('<w:document><w:body><w:p>not closed') }]);
    expect(await rejection(documentToMarkdown('broken.docx', broken))).toBe('broken.docx is damaged or not a valid Word document');
    const truncated = (await buildDocx()).subarray(0, 2000);
    // Cut before the central directory: not even a zip any more.
    expect(await rejection(documentToMarkdown('cut.docx', truncated))).toBe(
      'cut.docx is damaged or not a valid Word document (its ZIP structure cannot be read)',
    );
  });
});

describe('DOCX zip bombs', () => {
  it('rejects an entry that inflates too far, before inflating it', async () => {
    // 20 MB of zeros deflate to about 20 KB: a ratio near 1000.
    const bomb = makeZip([{ name: 'word/document.xml', data: Buffer.alloc(20 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const reason = await rejection(inspectDocument('bomb.docx', bomb));
    expect(reason).toMatch(/^bomb\.docx looks like a zip bomb: word\/document\.xml expands \d+× to 20\.0 MB/);
    expect(await rejection(documentToMarkdown('bomb.docx', bomb))).toBe(reason);
  });

  it('rejects an archive that declares 300 MB in total', async () => {
    const huge = makeZip([{ name: 'word/document.xml', data: Buffer.from('<w:document/>'), declaredSize: 300 * 1024 * 1024 }]);
    expect(await rejection(inspectDocument('huge.docx', huge))).toMatch(/^huge\.docx looks like a zip bomb: it would expand to more than 256\.0 MB/);
  });

  it('rejects too many entries', async () => {
    const many = makeZip([
      { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
      ...Array.from({ length: 20 }, (_, i) => ({ name: `word/part${i}.xml`, data: Buffer.from('x') })),
    ]);
    const limits = { zip: { maxEntries: 10, maxTotalUncompressed: 1e9, maxRatio: 100 } };
    expect(await rejection(inspectDocument('many.docx', many, limits))).toBe(
      'many.docx looks like a zip bomb: it has 21 entries, over the limit of 10',
    );
  });

  it('catches an entry that is larger than its header says', async () => {
    const liar = makeZip([{ name: 'word/document.xml', data: Buffer.alloc(4 * 1024 * 1024), declaredSize: 1000 }]);
    // The declared sizes look harmless: only inflating finds the lie.
    expect(await inspectDocument('liar.docx', liar)).toEqual({ format: 'docx' });
    expect(await rejection(documentToMarkdown('liar.docx', liar))).toMatch(
      /^liar\.docx looks like a zip bomb or is damaged: word\/document\.xml does not match its declared size/,
    );
  });
});
