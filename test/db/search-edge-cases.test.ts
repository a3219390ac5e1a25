import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it } from 'vitest';
import { chunks, pages, sources } from '../../db/schema';
import { searchInputSchema } from '../../server/schemas/search';
import { groupByPage } from '../../server/services/search/group-pages';
import type { ChunkHit } from '../../server/services/search/hits';
import { searchKnowledge } from '../../server/services/search/search-knowledge';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * Corners of search that once went wrong: each test builds the smallest corpus
 * that shows the failure (no embeddings: the full-text side is what is tested).
 */
let rt: TestRuntime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

/** A runtime with one upload source whose pages hold the given chunks. */
async function corpus(pagesToChunks: Record<string, string[]>, sourceId = 's1') {
  rt ??= await createTestRuntime({});
  const db = rt.database.db;
  await db.insert(sources).values({ id: sourceId, kind: 'upload', title: sourceId }).onConflictDoNothing();
  for (const [name, contents] of Object.entries(pagesToChunks)) {
    const [p] = await db
      .insert(pages)
      .values({
        sourceId,
        url: `https://docs.example/${name}`,
        title: name,
        content: contents.join('\n\n'),
        contentHash: `${sourceId}${name}`,
        charCount: 1,
        wordCount: 1,
      })
      .returning();
    await db.insert(chunks).values(
      contents.map((content, i) => ({
        sourceId,
        pageId: p!.id,
        chunkIndex: i,
        title: name,
        content,
        charCount: content.length,
        contentHash: `${sourceId}${name}${i}`,
      })),
    );
  }
  return rt;
}

/** n one-chunk pages, named so that no query word is in a title. */
const many = (prefix: string, n: number, text: (k: number) => string) =>
  Object.fromEntries(Array.from({ length: n }, (_, k) => [`${prefix}${k}`, [text(k)]]));

describe('full-text candidate selection', () => {
  it('finds a chunk by a hyphenated word whose parts are common or stop words ("built-in")', async () => {
    // "built-in" is the rarest query word, so it selects its chunks on its own; parsed again
    // as built-in <-> built <-> in, it matched nothing, since English tsvectors drop "in".
    const r = await corpus({
      target: ['Every widget ships with a built-in calibration routine.'],
      ...many('p', 10, (k) => `We built a list and a function, sample ${k}.`),
      ...many('q', 150, (k) => `They built thing ${k}.`),
      ...many('r', 150, (k) => `A list of item ${k}.`),
      ...many('s', 150, (k) => `A function called f${k}.`),
    });
    const res = await searchKnowledge(r.search, searchInputSchema.parse({ query: 'built-in function list', mode: 'fulltext', limit: 5 }));
    expect(res.results[0]).toMatchObject({ pageTitle: 'target' });
  });

  it('returns as many pages as asked for when grouping, though one page holds the strictest matches', async () => {
    const r = await corpus({
      big: Array.from({ length: 10 }, (_, i) => `alpha beta paragraph ${i} of the big page`),
      ...many('p', 120, (k) => `alpha only, item ${k}`),
      ...many('q', 120, (k) => `beta only, item ${k}`),
    });
    const res = await searchKnowledge(r.search, searchInputSchema.parse({ query: 'alpha beta', mode: 'fulltext', returnMode: 'pages', limit: 5 }));
    expect(res.results.map((p) => ('title' in p ? p.title : ''))[0]).toBe('big');
    expect(res.results).toHaveLength(5);
  });

  it('answers when every chunk counted so far had an empty tsvector (no division by zero)', async () => {
    const r = await corpus({ '🚀': ['🚀 🎉'] });
    await r.caller.knowledge.search({ query: 'zebra', mode: 'fulltext' });
    await corpus({ zebra: ['zebra stripes'] });
    for (const mode of ['fulltext', 'hybrid'] as const) {
      const res = await r.caller.knowledge.search({ query: 'zebra', mode });
      expect(res.results.length, mode).toBeGreaterThan(0);
    }
  });
});

describe('fusion settings', () => {
  it('keeps a default for a key sent as undefined instead of scoring NaN', async () => {
    const r = await corpus({ install: ['How to install widgets.'], other: ['Widgets come in many colours.'], more: ['Install the tools first.'] });
    const given = await r.caller.knowledge.search({ query: 'install widgets', mode: 'fulltext', fusion: { k: undefined, textWeight: undefined } });
    const plain = await r.caller.knowledge.search({ query: 'install widgets', mode: 'fulltext' });
    expect(given.results.every((h) => 'chunkId' in h && Number.isFinite(h.score.fused))).toBe(true);
    expect(given.results.map((h) => ('chunkId' in h ? h.chunkId : 0))).toEqual(plain.results.map((h) => ('chunkId' in h ? h.chunkId : 0)));
  });
});

describe('readPage by URL', () => {
  it('refuses a URL with a NUL character as a bad request', async () => {
    const r = await corpus({ a: ['text'] });
    await expect(r.caller.knowledge.readPage({ url: 'a\0b' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('asks which source when two sources hold the same URL, and reads it from the one named', async () => {
    const r = await corpus({ shared: ['version one'] }, 'src-a');
    await corpus({ shared: ['version two'] }, 'src-b');
    const url = 'https://docs.example/shared';
    const err = await r.caller.knowledge.readPage({ url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('BAD_REQUEST');
    expect((err as TRPCError).message).toMatch(/src-a, src-b/);
    expect((await r.caller.knowledge.readPage({ url, sourceId: 'src-b' })).content).toBe('version two');
    await expect(r.caller.knowledge.readPage({ url, sourceId: 'src-c' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('page excerpts', () => {
  it('hold the first 400 UTF-16 units of the chunk, though the database reads only its start', async () => {
    // Postgres counts characters as code points: 60 emoji are 60 characters but 120 units here.
    const content = `${'😀'.repeat(60)} ledger ${'word '.repeat(200)}`;
    const r = await corpus({ emoji: [content] });
    const res = await searchKnowledge(r.search, searchInputSchema.parse({ query: 'ledger', mode: 'fulltext', returnMode: 'pages', limit: 5 }));
    expect(res.returnMode).toBe('pages');
    const [page] = res.results as { best: { excerpt: string } }[];
    expect(page!.best.excerpt).toBe(content.slice(0, 400));
  });

  it('never end on half of an emoji', () => {
    const content = `${'x'.repeat(399)}😀 and more`;
    const hit = {
      chunkId: 1,
      chunkIndex: 0,
      content,
      url: 'u',
      pageUrl: 'u',
      pageId: 'p',
      pageTitle: 't',
      headingPath: [],
      sourceId: 's',
      sourceTitle: 's',
      score: { fused: 1, vectorRank: null, textRank: 1, vectorSimilarity: null, textScore: 1 },
    } satisfies ChunkHit;
    const [page] = groupByPage([hit], 1);
    expect(page!.best.excerpt).toBe('x'.repeat(399));
    // A lone surrogate cannot be encoded as UTF-8.
    expect(() => encodeURIComponent(page!.best.excerpt)).not.toThrow();
  });
});
