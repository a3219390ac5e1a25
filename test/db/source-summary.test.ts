import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, pages, sources } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import type { Logger } from '../../server/logger';
import { createHashEmbedder } from '../../server/services/embeddings/hash-embedder';
import { settleCodeExamples } from '../../server/services/ingest/dedupe-code';
import { prepareDocuments } from '../../server/services/ingest/prepare';
import { leadParagraphs } from '../../server/services/ingest/prose-text';
import { summarizeSource } from '../../server/services/ingest/source-summary';
import { storeDocuments } from '../../server/services/ingest/store';
import { createOpenAISummarizer, type Summarizer } from '../../server/services/ingest/summarizer';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestDatabase } from '../helpers/db';

let database: DatabaseHandle;
let fake: FakeOpenAI;
beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await database?.close();
  await fake?.close();
});

const INTRO = 'Frob is a library that arranges widgets by weight. It runs anywhere Node runs.';
const MORE = 'Operators use it on production lines, where every tray is levelled before sorting.';

let n = 0;
async function sourceWithPages(url: string | null, docs: { url: string; content: string; description?: string }[]) {
  const id = `src-${++n}`;
  await database.db.insert(sources).values({ id, kind: url ? 'url' : 'upload', url, title: `Frob ${n}` });
  for (const d of docs) {
    await database.db.insert(pages).values({
      sourceId: id,
      url: d.url,
      title: d.url,
      content: d.content,
      contentHash: d.url,
      charCount: d.content.length,
      wordCount: 1,
      metadata: d.description ? { description: d.description } : {},
    });
  }
  return id;
}
const storedSummary = async (id: string) =>
  (await database.db.select({ summary: sources.summary }).from(sources).where(eq(sources.id, id)))[0]!.summary;

const fixedSummarizer = (answer: string | null | Error): Summarizer => ({
  model: 'fixed',
  summarizeCode: async (examples) => examples.map(() => null),
  summarizeSource: async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

describe('summarizeSource without a chat model', () => {
  it('stores the opening paragraphs of the start page, as plain text', async () => {
    const id = await sourceWithPages('https://frob.dev/docs/', [
      { url: 'https://frob.dev/docs/api', content: '# API\n\nThe API page says other things entirely, at length.' },
      {
        url: 'https://frob.dev/docs/',
        content: `[Home](/) · [API](/api)\n\n# Frob\n\n![logo](/logo.png)\n\n${INTRO.replace('library', '**library**')}\n\n\`\`\`bash\nnpm install frob --save\n\`\`\`\n\n| a | b |\n|---|---|\n\n${MORE}`,
      },
    ]);
    const summary = await summarizeSource(database.db, id, { summarizer: null });
    expect(summary).toBe(`${INTRO} ${MORE}`);
    expect(await storedSummary(id)).toBe(summary);
  });

  it('bounds the summary to whole sentences within 500 chars', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence ${i} talks about widgets and trays.`).join(' ');
    const id = await sourceWithPages(null, [{ url: 'file://notes.md', content: long }]);
    const summary = (await summarizeSource(database.db, id, { summarizer: null }))!;
    expect(summary.length).toBeLessThanOrEqual(500);
    expect(summary.length).toBeGreaterThan(400);
    expect(summary.startsWith('Sentence 0 talks')).toBe(true);
    expect(summary.endsWith('trays.')).toBe(true);
  });

  it('falls back to a later page, then to the meta description, when the main page has no prose', async () => {
    const a = await sourceWithPages('https://frob.dev/', [
      { url: 'https://frob.dev/', content: '# Frob\n\n- [Guide](/guide)\n- [API](/api)' },
      { url: 'https://frob.dev/guide', content: `# Guide\n\n${INTRO}` },
    ]);
    expect(await summarizeSource(database.db, a, { summarizer: null })).toBe(INTRO);
    const b = await sourceWithPages('https://frob.dev/x', [
      { url: 'https://frob.dev/x', content: '# Frob\n\n```\ncode only\n```', description: MORE },
    ]);
    expect(await summarizeSource(database.db, b, { summarizer: null })).toBe(MORE);
  });

  it('changes nothing for a source without pages, and answers null for an unknown source', async () => {
    const id = await sourceWithPages('https://frob.dev/empty', []);
    await database.db.update(sources).set({ summary: 'kept' }).where(eq(sources.id, id));
    expect(await summarizeSource(database.db, id, { summarizer: null })).toBeNull();
    expect(await storedSummary(id)).toBe('kept');
    expect(await summarizeSource(database.db, 'no-such-source', { summarizer: null })).toBeNull();
  });

  it('clears a stale summary when the pages have no prose left', async () => {
    const id = await sourceWithPages(null, [{ url: 'file://code.md', content: '```\nx = 1\n```' }]);
    await database.db.update(sources).set({ summary: 'stale' }).where(eq(sources.id, id));
    expect(await summarizeSource(database.db, id, { summarizer: null })).toBeNull();
    expect(await storedSummary(id)).toBeNull();
  });
});

describe('summarizeSource with a chat model', () => {
  it('stores what the model wrote, from the main page first', async () => {
    fake.script([{ type: 'reply', content: JSON.stringify({ summary: 'Frob arranges widgets. It is a Node library.' }) }]);
    const summarizer = createOpenAISummarizer({ baseURL: fake.url, model: 'chat', concurrency: 1, maxRetries: 0 });
    const id = await sourceWithPages('https://frob.dev/start', [
      { url: 'https://frob.dev/a-first-stored-page', content: 'Other page text about trays and more.' },
      { url: 'https://frob.dev/start', content: `# Start\n\n${INTRO}` },
    ]);
    expect(await summarizeSource(database.db, id, { summarizer })).toBe('Frob arranges widgets. It is a Node library.');
    expect(await storedSummary(id)).toBe('Frob arranges widgets. It is a Node library.');
    const prompt = String(fake.requests.at(-1)!.body.messages.at(-1).content);
    expect(prompt.startsWith(`Title: Frob ${n}`)).toBe(true);
    expect(prompt.indexOf(INTRO)).toBeLessThan(prompt.indexOf('Other page text'));
  });

  it('falls back to the opening paragraphs when the model gives nothing usable or throws', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (msg) => void warnings.push(msg) };
    const id = await sourceWithPages(null, [{ url: 'file://intro.md', content: INTRO }]);
    expect(await summarizeSource(database.db, id, { summarizer: fixedSummarizer(null) })).toBe(INTRO);
    await database.db.update(sources).set({ summary: null }).where(eq(sources.id, id));
    expect(await summarizeSource(database.db, id, { summarizer: fixedSummarizer(new Error('boom')), logger })).toBe(INTRO);
    expect(await storedSummary(id)).toBe(INTRO);
    expect(warnings).toHaveLength(1);
  });
});

describe('prepareDocuments and code examples', () => {
  const embedder = createHashEmbedder(32);
  const settle = (id: string) =>
    settleCodeExamples({ db: database.db, embedder, embedding: { batchSize: 10, concurrency: 1 }, summarizer: null }, id);
  const SH = 'frob level --trays 12 --tolerance 0.5 --log /var/log/frob-level.log';
  const PY = 'def arrange(widgets):\n    return sorted(widgets, key=lambda w: w.weight)';
  const docs = [
    {
      url: 'https://frob.dev/one',
      title: 'One',
      markdown: `## Install\n\nLevel the trays first:\n\n\`\`\`bash\n${SH}\n\`\`\`\n\n## Sort\n\n\`\`\`python\n${PY}\n\`\`\``,
    },
    { url: 'https://frob.dev/two', title: 'Two', markdown: `## Again\n\n\`\`\`sh\n${SH}\n\`\`\`` },
  ];

  it('without a summarizer keeps deterministic names; a snippet repeated on another page is dropped when the job ends', async () => {
    const id = await sourceWithPages('https://frob.dev/', []);
    const prepared = await prepareDocuments(database.db, { sourceId: id, embedder, batchSize: 10, concurrency: 1 }, docs);
    expect(prepared.documents.map((d) => d.codeExamples.map((e) => [e.index, e.name, e.summary]))).toEqual([
      [
        [0, 'Install', 'Level the trays first.'],
        [1, 'Sort', 'Code example (python) from One.'],
      ],
      [[0, 'Again', 'Code example (bash) from Two.']],
    ]);
    expect(prepared.documents[0]!.codeExamples.every((e) => e.embedding?.length === 32)).toBe(true);
    await storeDocuments(database.db, id, embedder.model, prepared.documents);
    expect(await settle(id)).toEqual({ removed: 1, restored: 0 });
    const rows = await database.db.select({ name: codeExamples.name }).from(codeExamples).where(eq(codeExamples.sourceId, id));
    expect(rows.map((r) => r.name).sort()).toEqual(['Install', 'Sort']);
  });

  it('stores a repeated snippet again from another page when the page whose copy stood for it changes or goes', async () => {
    const id = await sourceWithPages('https://frob.dev/', []);
    const prepare = (ds: typeof docs) => prepareDocuments(database.db, { sourceId: id, embedder, batchSize: 10, concurrency: 1 }, ds);
    await storeDocuments(database.db, id, embedder.model, (await prepare(docs)).documents);
    expect(await settle(id)).toEqual({ removed: 1, restored: 0 });
    // Nothing changed: nothing to remove or restore, however often it runs.
    expect(await settle(id)).toEqual({ removed: 0, restored: 0 });
    const stored = async () =>
      database.db
        .select({
          url: pages.url,
          name: codeExamples.name,
          code: codeExamples.code,
          embedding: codeExamples.embedding,
          model: codeExamples.embeddingModel,
        })
        .from(codeExamples)
        .innerJoin(pages, eq(pages.id, codeExamples.pageId))
        .where(eq(codeExamples.sourceId, id))
        .orderBy(pages.url, codeExamples.exampleIndex);

    // Page one, whose copy of the shell snippet stood for page two's, no longer has it.
    const [one] = docs;
    const changed = { ...one!, markdown: `## Sort\n\n\`\`\`python\n${PY}\n\`\`\`` };
    await storeDocuments(database.db, id, embedder.model, (await prepare([changed])).documents);
    expect(await settle(id)).toEqual({ removed: 0, restored: 1 });
    const rows = await stored();
    expect(rows.map((r) => [r.url, r.name, r.code])).toEqual([
      ['https://frob.dev/one', 'Sort', PY],
      ['https://frob.dev/two', 'Again', SH],
    ]);
    const [expected] = await embedder.embed([`${SH}\n\nSummary: Code example (bash) from Two.`]);
    const dot = rows[1]!.embedding!.reduce((sum, x, i) => sum + x * expected![i]!, 0);
    expect([dot > 0.999, rows[1]!.model]).toEqual([true, embedder.model]);

    // Page one has it again: its copy is the one kept in page order, and page two's goes.
    await storeDocuments(database.db, id, embedder.model, (await prepare([one!])).documents);
    expect(await settle(id)).toEqual({ removed: 1, restored: 0 });
    expect((await stored()).map((r) => [r.url, r.name])).toEqual([
      ['https://frob.dev/one', 'Install'],
      ['https://frob.dev/one', 'Sort'],
    ]);

    // Page one is gone (a refresh found it removed): page two's copy is stored again.
    await database.db.delete(pages).where(eq(pages.url, 'https://frob.dev/one'));
    expect(await settle(id)).toEqual({ removed: 0, restored: 1 });
    expect((await stored()).map((r) => [r.url, r.name])).toEqual([['https://frob.dev/two', 'Again']]);
  });

  it('with a summarizer stores its names and summaries, embedded with the code, keeping the deterministic text where it failed', async () => {
    const id = await sourceWithPages('https://frob.dev/', []);
    const summarizer: Summarizer = {
      model: 'fixed',
      summarizeCode: async (examples) =>
        examples.map((e) => (e.language === 'bash' ? { name: 'Level trays', summary: 'Levels trays from a shell.' } : null)),
      summarizeSource: async () => null,
    };
    const prepared = await prepareDocuments(database.db, { sourceId: id, embedder, batchSize: 10, concurrency: 1, summarizer }, docs);
    await storeDocuments(database.db, id, embedder.model, prepared.documents);
    await settle(id);
    const rows = await database.db
      .select({ name: codeExamples.name, summary: codeExamples.summary, embedding: codeExamples.embedding })
      .from(codeExamples)
      .where(eq(codeExamples.sourceId, id))
      .orderBy(codeExamples.exampleIndex);
    expect(rows.map((r) => [r.name, r.summary])).toEqual([
      ['Level trays', 'Levels trays from a shell.'],
      ['Sort', 'Code example (python) from One.'],
    ]);
    const [written, deterministic] = await embedder.embed([
      `${SH}\n\nSummary: Levels trays from a shell.`,
      `${SH}\n\nSummary: Level the trays first.`,
    ]);
    // Stored vectors lose precision; the dot product of unit vectors shows which text was embedded.
    const dot = (v: number[]) => rows[0]!.embedding!.reduce((sum, x, i) => sum + x * v[i]!, 0);
    expect(dot(written!)).toBeGreaterThan(0.999);
    expect(dot(deterministic!)).toBeLessThan(0.99);
  });
});

describe('leadParagraphs', () => {
  it('skips headings, code, tables, link lists and fragments, and strips inline Markdown', () => {
    const md = `# Title\n\n* [A](/a)\n* [B](/b)\n\nShort label\n\n~~~\nignored code ~~~ here\n~~~\n\n> ${INTRO.replace('widgets', '[widgets](/w)')}\n\n- ${MORE}`;
    expect(leadParagraphs(md, 500)).toBe(`${INTRO} ${MORE}`);
    expect(leadParagraphs(md, 90)).toBe(INTRO);
    expect(leadParagraphs('# Only a heading', 500)).toBe('');
  });
});
