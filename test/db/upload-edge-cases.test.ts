import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pages } from '../../db/schema';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true, env: { EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
});

const file = (name: string, content: string | Buffer) => ({
  name,
  contentBase64: (typeof content === 'string' ? Buffer.from(content) : content).toString('base64'),
});
const pagesOf = async (sourceId: string) =>
  new Map((await rt.database.db.select().from(pages).where(eq(pages.sourceId, sourceId))).map((p) => [p.url, p.content]));

describe('awkward uploads', () => {
  it('keeps every file of one upload when a renamed duplicate meets a file already named like it', async () => {
    const job = await jobSettled(
      rt,
      (
        await rt.caller.knowledge.upload({
          files: [
            file('c.md', '# One\n\nThe first text.'),
            file('c.md', '# Two\n\nThe second text.'),
            file('c (2).md', '# Three\n\nThe third text.'),
          ],
        })
      ).id,
    );
    expect(job).toMatchObject({ status: 'completed', pagesFetched: 3 });
    const stored = await pagesOf(job.sourceId!);
    expect(stored.size).toBe(3);
    expect([...stored.values()].sort()).toEqual(['# One\n\nThe first text.', '# Three\n\nThe third text.', '# Two\n\nThe second text.']);
  });
});

describe('upload bytes as base64', () => {
  it('refuses base64 that does not come in whole groups, as rag_upload_document does, rather than dropping its tail', async () => {
    const whole = Buffer.from('# Title\n\nHello world!').toString('base64');
    for (const contentBase64 of [`${whole}Q`, 'QUJD=QUJD', 'QUI=A']) {
      await expect(rt.caller.knowledge.upload({ files: [{ name: 'x.md', contentBase64 }] }), contentBase64).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/contentBase64/),
      });
    }
  });
});

describe('reStructuredText doctest blocks', () => {
  it('keeps a >>> session as code (a fence and a code example), not as a quote three levels deep', async () => {
    const rst = [
      'Widgets',
      '=======',
      '',
      'Connect to the widget server and list what it holds:',
      '',
      '>>> from widgets import connect',
      ">>> client = connect('localhost', port=8080)",
      '>>> client.list()',
      "['alpha', 'beta']",
      '',
      'That is all.',
      '',
    ].join('\n');
    const job = await jobSettled(rt, (await rt.caller.knowledge.upload({ files: [file('widgets.rst', rst)] })).id);
    expect(job.status).toBe('completed');
    const page = await rt.caller.knowledge.readPage({ url: 'file://widgets.rst', sourceId: job.sourceId! });
    expect(page.content).toContain(
      "```python\n>>> from widgets import connect\n>>> client = connect('localhost', port=8080)\n>>> client.list()\n['alpha', 'beta']\n```",
    );
    const examples = await rt.caller.knowledge.listCodeExamples({ sourceId: job.sourceId! });
    expect(examples.items.map((e) => e.code)).toEqual([expect.stringContaining('client.list()')]);
  });
});

/** A one-page PDF whose font maps the letter B to U+0000, as broken ToUnicode maps do. */
function pdfWithNul(): Buffer {
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Test def /CMapType 2 def',
    '1 begincodespacerange <00> <FF> endcodespacerange',
    '3 beginbfchar <41> <0041> <42> <0000> <43> <0043> endbfchar',
    'endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const content = 'BT /F1 24 Tf 72 700 Td (ABC Widgets are configured with care) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

describe('PDF text with NUL characters', () => {
  it('stores the page without them, rather than failing the file on PostgreSQL refusing NUL', async () => {
    const job = await jobSettled(rt, (await rt.caller.knowledge.upload({ files: [file('broken-font.pdf', pdfWithNul())] })).id);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ status: 'completed', pagesFetched: 1 });
    const page = await rt.caller.knowledge.readPage({ url: 'file://broken-font.pdf', sourceId: job.sourceId! });
    expect(page.content).toContain('AC Widgets are configured with care');
  });
});
