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

describe('page sizes', () => {
  it('counts characters the same way in listPages as readPage does, for text outside the Basic Multilingual Plane', async () => {
    const text = `# Emoji 😀\n\n${'🚀 launch 𝔸 '.repeat(40)}\n`;
    const job = await jobSettled(rt, (await rt.caller.knowledge.upload({ files: [file('emoji.md', text)] })).id);
    expect(job.status).toBe('completed');
    const page = await rt.caller.knowledge.readPage({ url: 'file://emoji.md', sourceId: job.sourceId!, offset: 0, maxChars: 20_000 });
    const [listed] = (await rt.caller.knowledge.listPages({ sourceId: job.sourceId! })).items;
    expect(page.charCount).toBe([...page.content].length);
    expect(listed!.charCount).toBe(page.charCount);
    // The stored count, which sizes archive export batches, too.
    const [stored] = await rt.database.db.select({ charCount: pages.charCount }).from(pages).where(eq(pages.id, page.id));
    expect(stored!.charCount).toBe(page.charCount);
    // A chunk's size is counted the same way.
    const [chunk] = (await rt.caller.knowledge.listChunks({ pageId: page.id })).items;
    expect(chunk!.charCount).toBe([...chunk!.content].length);
  });
});

describe('files from a folder', () => {
  it('keeps their paths within the folder as page names, so two index.md files are two pages a re-upload replaces one by one', async () => {
    const first = await jobSettled(
      rt,
      (
        await rt.caller.knowledge.upload({
          files: [file('api/index.md', '# API\n\nThe endpoints.'), file('guide/index.md', '# Guide\n\nThe walkthrough.'), file('index.md', '# Home')],
        })
      ).id,
    );
    expect(first).toMatchObject({ status: 'completed', pagesFetched: 3 });
    const sourceId = first.sourceId!;
    expect([...(await pagesOf(sourceId)).keys()].sort()).toEqual(['file://api/index.md', 'file://guide/index.md', 'file://index.md']);
    expect((await rt.caller.knowledge.source({ id: sourceId })).title).toBe('3 uploaded files');
    // Found by the path as typed, by URL, and listed by it.
    expect((await rt.caller.knowledge.listPages({ sourceId, query: 'guide/index' })).items.map((p) => p.url)).toEqual(['file://guide/index.md']);
    expect((await rt.caller.knowledge.readPage({ url: 'file://api/index.md', sourceId })).content).toBe('# API\n\nThe endpoints.');

    // The folder uploaded again with one file changed: that page, and only it, is replaced.
    const again = await jobSettled(
      rt,
      (await rt.caller.knowledge.upload({ sourceId, files: [file('guide/index.md', '# Guide\n\nThe new walkthrough.')] })).id,
    );
    expect(again.status).toBe('completed');
    const stored = await pagesOf(sourceId);
    expect(stored.size).toBe(3);
    expect(stored.get('file://guide/index.md')).toBe('# Guide\n\nThe new walkthrough.');
    expect(stored.get('file://api/index.md')).toBe('# API\n\nThe endpoints.');

    // Two files of one name in one upload: the second is numbered in its own name, not in a folder's dotted name.
    const twice = await jobSettled(
      rt,
      (await rt.caller.knowledge.upload({ files: [file('v1.2/README', 'First readme.'), file('v1.2/README', 'Second readme.')] })).id,
    );
    expect([...(await pagesOf(twice.sourceId!)).keys()].sort()).toEqual(['file://v1.2/README', 'file://v1.2/README%20(2)']);

    // One file from a folder names its source after the file, not the path.
    const single = await jobSettled(rt, (await rt.caller.knowledge.upload({ files: [file('api/reference.md', '# Reference\n\nAll of it.')] })).id);
    expect((await rt.caller.knowledge.source({ id: single.sourceId! })).title).toBe('reference');
  });
});
