import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, jobEvents, jobs, pages, sources, uploadFiles } from '../../db/schema';
import { startLocalRunner } from '../../inngest/start-local-runner';
import { makeDocx, makePdf, PNG_BYTES } from '../fixtures/sample-files';
import { isTerminalEvent, openJobStream } from '../helpers/job-stream';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * Uploads through `knowledge.upload`: real files of every supported type in
 * one job, bad files rejected one by one while the rest complete, limits, and
 * re-uploading into the same source.
 */
const MAX_FILE_BYTES = 200_000;
let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({
    runner: true,
    env: { EMBEDDING_DIMENSIONS: '64', UPLOAD_MAX_FILE_BYTES: String(MAX_FILE_BYTES), UPLOAD_MAX_FILES: '12' },
  });
});
afterAll(async () => {
  await rt?.close();
});

const file = (name: string, content: string | Buffer) => ({
  name,
  contentBase64: (typeof content === 'string' ? Buffer.from(content) : content).toString('base64'),
});

async function finished(jobId: string) {
  return waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: jobId });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${jobId}`,
  );
}
const logOf = async (jobId: string) =>
  (
    await rt.database.db
      .select()
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.kind, 'log')))
  ).map((e) => String(e.payload.message));
const pagesOf = async (sourceId: string) =>
  new Map((await rt.database.db.select().from(pages).where(eq(pages.sourceId, sourceId))).map((p) => [p.url, p]));

const MARKDOWN = `# Widget setup

Widgets are configured in \`widgets.toml\` before the first start.

\`\`\`python
from widgets import configure
configure(path="widgets.toml", strict=True)
print("configured")
\`\`\`
`;
const RST = `Gadget reference
================

Gadgets rotate at a fixed cadence.

.. code-block:: bash

   gadget rotate --cadence 30 --verbose
`;

describe('uploading documents', () => {
  it('turns every supported type into pages and chunks, and rejects bad files one by one', async () => {
    const [pdf, docx] = await Promise.all([
      makePdf([
        { heading: 'Sprocket manual', lines: ['Sprockets mesh with gears of the same pitch.'] },
        { heading: 'Maintenance', lines: ['Oil the sprocket chain every hundred hours.'] },
      ]),
      makeDocx('Flange handbook', 'Tightening', ['Tighten flange bolts in a star pattern to avoid warping.']),
    ]);
    const good = [
      file('setup.md', MARKDOWN),
      file('notes.txt', 'Plain notes: the doohickey resets after a power cycle.\n'),
      file('page.html', '<html><head><title>Gizmo page</title></head><body><h1>Gizmo page</h1><p>Gizmos hum at 50 hertz.</p></body></html>'),
      file('gadgets.rst', RST),
      file('sprockets.pdf', pdf),
      file('flanges.docx', docx),
    ];
    const bad = [
      file('empty.md', ''),
      file('photo.md', PNG_BYTES),
      file('broken.pdf', Buffer.concat([pdf.subarray(0, 200), Buffer.from('garbage')])),
      file('big.txt', 'lorem ipsum '.repeat(20_000)),
      file('fake.docx', pdf),
    ];
    const stream = openJobStream(rt, {});
    await stream.ready;
    try {
      const job = await rt.caller.knowledge.upload({ files: [...good, ...bad], tags: ['hardware'], knowledgeType: 'business' });
      expect(job).toMatchObject({ kind: 'upload', pagesDiscovered: 11, pagesFailed: 5 });
      const events = await stream.until((e) => e.jobId === job.id && isTerminalEvent(e), 60_000);
      expect(events.filter((e) => e.jobId === job.id).map((e) => e.payload.status)).toEqual(
        expect.arrayContaining(['queued', 'running', 'completed']),
      );

      const done = await finished(job.id);
      expect(done).toMatchObject({ status: 'completed', pagesFetched: 6, pagesFailed: 5 });
      expect(done.error).toMatch(/^5 of 11 file\(s\) failed/);

      const log = await logOf(job.id);
      expect(log).toHaveLength(5);
      for (const name of ['empty.md', 'photo.md', 'broken.pdf', 'big.txt', 'fake.docx']) expect(log.some((l) => l.includes(name))).toBe(true);
      expect(log.find((l) => l.includes('big.txt'))).toMatch(/over the 195\.3 KB limit/);

      const source = await rt.caller.knowledge.source({ id: job.sourceId! });
      expect(source).toMatchObject({ kind: 'upload', knowledgeType: 'business', tags: ['hardware'], title: '11 uploaded files', pageCount: 6 });
      const stored = await pagesOf(job.sourceId!);
      expect([...stored.keys()].sort()).toEqual(good.map((f) => `file://${f.name}`).sort());
      expect(stored.get('file://setup.md')!.title).toBe('Widget setup');
      expect(stored.get('file://sprockets.pdf')!.content).toMatch(/Sprockets mesh[\s\S]*Oil the sprocket chain/);
      expect(stored.get('file://flanges.docx')!.content).toMatch(/^# Flange handbook/m);
      expect(stored.get('file://flanges.docx')!.content).toMatch(/^## Tightening/m);
      expect(stored.get('file://gadgets.rst')!.content).toContain('```bash');

      const code = await rt.database.db.select().from(codeExamples).where(eq(codeExamples.sourceId, job.sourceId!));
      expect(code.map((c) => c.language).sort()).toEqual(expect.arrayContaining(['python']));

      const files = await rt.database.db.select().from(uploadFiles).where(eq(uploadFiles.jobId, job.id));
      // Bytes are dropped once a file is settled.
      expect(files.every((f) => f.content === null)).toBe(true);
      expect(files.filter((f) => f.status === 'done').every((f) => f.pageId)).toBe(true);

      for (const [query, name] of [
        ['sprocket chain oil', 'sprockets.pdf'],
        ['flange bolts star pattern', 'flanges.docx'],
        ['gizmos hum hertz', 'page.html'],
        ['gadget cadence', 'gadgets.rst'],
        ['doohickey power cycle', 'notes.txt'],
      ] as const) {
        const hits = await rt.caller.knowledge.search({ query, sourceIds: [job.sourceId!] });
        expect(hits.results[0]?.url, query).toMatch(new RegExp(`^file://${name.replace('.', '\\.')}`));
      }
    } finally {
      await stream.close();
    }
  });

  it('fails the job at once, naming the reason, when every file is rejected', async () => {
    const job = await rt.caller.knowledge.upload({ files: [file('empty.txt', '   \n')] });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/empty\.txt/);
    expect(await rt.database.db.$count(pages, eq(pages.sourceId, job.sourceId!))).toBe(0);
  });

  it('takes the base name of a path, and refuses a bad name for its own file while the others complete', async () => {
    const bad = ['..', 'a\u0000b.md', '', `${'n'.repeat(300)}.md`, 'dir/'];
    const job = await rt.caller.knowledge.upload({
      files: [
        file('../up.md', '# Up\n\nA name with a parent directory.'),
        ...bad.map((name) => file(name, '# Bad\n\nNever stored.')),
        file('C:\\Users\\ann\\win.md', '# Win\n\nA Windows path.'),
      ],
    });
    expect(job).toMatchObject({ pagesDiscovered: 7, pagesFailed: 5 });
    const done = await finished(job.id);
    expect(done).toMatchObject({ status: 'completed', pagesFetched: 2, pagesFailed: 5 });
    expect([...(await pagesOf(job.sourceId!)).keys()].sort()).toEqual(['file://up.md', 'file://win.md']);
    const log = await logOf(job.id);
    for (const name of bad)
      expect(
        log.some((l) => l.startsWith(`file name ${JSON.stringify(name.slice(0, 100))}: `)),
        name.slice(0, 10),
      ).toBe(true);
    const rows = await rt.database.db.select().from(uploadFiles).where(eq(uploadFiles.jobId, job.id));
    expect(
      rows
        .filter((r) => r.status === 'failed')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['a\ufffdb.md', 'dir/', 'n'.repeat(255), '..', 'unnamed'].sort());
  });

  it('refuses too many files, or none, before storing anything', async () => {
    const before = await Promise.all([rt.database.db.$count(jobs), rt.database.db.$count(sources), rt.database.db.$count(uploadFiles)]);
    const many = Array.from({ length: 13 }, (_, i) => file(`f${i}.md`, `# File ${i}\n\nText ${i}.`));
    await expect(rt.caller.knowledge.upload({ files: many })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/at most 12 files/),
    });
    await expect(rt.caller.knowledge.upload({ files: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.upload({ files: [{ name: 'x.md', contentBase64: 'not base64!' }] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await Promise.all([rt.database.db.$count(jobs), rt.database.db.$count(sources), rt.database.db.$count(uploadFiles)])).toEqual(before);
  });

  it('drops the bytes of files a cancelled upload never processed', async () => {
    await rt.runner!.stop(2_000);
    try {
      const job = await rt.caller.knowledge.upload({ files: [file('later.md', '# Later\n\nNever processed.')] });
      expect(job.status).toBe('queued');
      await rt.caller.jobs.cancel({ id: job.id });
      const [row] = await rt.database.db.select().from(uploadFiles).where(eq(uploadFiles.jobId, job.id));
      expect(row).toMatchObject({ status: 'failed', content: null, error: expect.stringMatching(/cancelled/) });
    } finally {
      await startLocalRunner(rt, { retryBaseMs: 100 });
    }
  });

  it('adds files to an earlier upload, replacing a file of the same name, and keeps names unique within one upload', async () => {
    const first = await finished(
      (
        await rt.caller.knowledge.upload({
          files: [file('a.md', '# Alpha\n\nThe first alpha text.'), file('b.md', '# Beta\n\nBeta text.')],
          title: 'Alpha docs',
        })
      ).id,
    );
    expect(first.status).toBe('completed');
    const sourceId = first.sourceId!;
    const second = await finished(
      (
        await rt.caller.knowledge.upload({
          sourceId,
          files: [
            file('a.md', '# Alpha\n\nThe second alpha text.'),
            file('c.md', '# Gamma\n\nGamma.'),
            file('c.md', '# Gamma two\n\nAnother gamma.'),
          ],
        })
      ).id,
    );
    expect(second).toMatchObject({ status: 'completed', sourceId, pagesFetched: 3 });
    const stored = await pagesOf(sourceId);
    expect([...stored.keys()].sort()).toEqual(['file://a.md', 'file://b.md', 'file://c%20(2).md', 'file://c.md']);
    expect(stored.get('file://a.md')!.content).toContain('second alpha');
    expect((await rt.caller.knowledge.source({ id: sourceId })).title).toBe('Alpha docs');

    await expect(rt.caller.knowledge.upload({ sourceId: 'no-such-source', files: [file('x.md', '# X\n\nx')] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(rt.caller.knowledge.refresh({ id: sourceId })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/upload/),
    });
  });

  it('keeps a snippet two files share when the file that held its stored copy is uploaded again without it', async () => {
    const snippet = 'widgetctl calibrate --axis x --steps 400 --report /tmp/calibration.json';
    const withSnippet = (title: string) => `# ${title}\n\nCalibrate first:\n\n\`\`\`bash\n${snippet}\n\`\`\`\n`;
    const first = await finished(
      (await rt.caller.knowledge.upload({ files: [file('a.md', withSnippet('Alpha')), file('b.md', withSnippet('Beta'))], title: 'Shared snippet' }))
        .id,
    );
    const sourceId = first.sourceId!;
    const found = async () =>
      (await rt.caller.knowledge.searchCode({ query: 'widgetctl calibrate axis steps', sourceIds: [sourceId] })).results.map(
        (r) => r.url.split('#')[0],
      );
    expect(await found()).toEqual(['file://a.md']);
    const second = await finished((await rt.caller.knowledge.upload({ sourceId, files: [file('a.md', '# Alpha\n\nNo calibration any more.')] })).id);
    expect(second.status).toBe('completed');
    expect(await found()).toEqual(['file://b.md']);
    expect(await logOf(second.id)).toContain('Restored 1 code example(s) from other pages, as the page that held them changed or was removed');
  });
});
