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

describe('upload review', () => {
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
