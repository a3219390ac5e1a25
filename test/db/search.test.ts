// Hybrid search over the shared corpus: modes, fusion, filters, pages and context expansion.

import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chunks } from '../../db/schema';
import type { Fusion } from '../../server/schemas/search';
import { textCandidates } from '../../server/services/search/fused-query';
import type { ChunkHit } from '../../server/services/search/hits';
import { queryLexemes } from '../../server/services/search/query-lexemes';
import { defaultFusion } from '../../server/services/search/search-knowledge';
import { bm25Query } from '../../server/services/search/term-stats';
import {
  corpus,
  expectAnchored,
  LOG_ENTRIES,
  manualChunks,
  occurrences,
  path,
  RRF60,
  rrf,
  type SearchArgs,
  STAGE_NAMES,
  searchChunks,
  searchPages,
  useSearchCorpus,
} from '../helpers/search-corpus';

const { src } = corpus;
useSearchCorpus();

describe('search modes', () => {
  const MODES = ['hybrid', 'vector', 'fulltext'] as const;
  type Mode = (typeof MODES)[number];
  const KNOWN: { query: string; page: string; modes?: readonly Mode[] }[] = [
    { query: 'installing', page: '/docs/b' },
    { query: 'How do I install frob?', page: '/docs/b' },
    { query: 'configuring the frobnicator options', page: '/docs/a' },
    // The offline hash embedder is lexical: "configuration options" shares more
    // letter trigrams with the manual's "operations" than with /docs/a.
    { query: 'configuration options', page: '/docs/a', modes: ['hybrid', 'fulltext'] },
    { query: 'overlapping widgets', page: '/docs/c/' },
    { query: 'Stage 4 dugong ledger', page: '/manual/ops' },
  ];

  it.each(MODES)('%s mode puts the known answer first', async (mode) => {
    for (const known of KNOWN.filter((k) => !k.modes || k.modes.includes(mode))) {
      const res = await searchChunks({ query: known.query, mode, limit: 3 });
      expect(res.mode).toBe(mode);
      expect(res.warnings).toEqual([]);
      expect(res.reranked).toBe(false);
      expect([known.query, path(res.results[0]?.pageUrl ?? '(none)')]).toEqual([known.query, known.page]);
      const top = res.results[0]!;
      expect(top.content.length).toBeGreaterThan(0);
      expect(top.headingPath.length).toBeGreaterThan(0);
      await expectAnchored(top);
    }
  });

  it('result URLs carry the anchor of the chunk’s deepest heading that has one, else the bare page URL', async () => {
    const stage4 = (await searchChunks({ query: 'Stage 4 dugong ledger', limit: 1 })).results[0]!;
    expect(stage4.url).toBe(`${corpus.site.url}/manual/ops#stage-4`);
    expect(stage4.headingPath).toEqual(['Frobnicator operations manual', 'Stage 4: Balancing']);
    const install = (await searchChunks({ query: 'installing', limit: 1 })).results[0]!;
    expect(install.url.startsWith(`${corpus.site.url}/docs/b#`)).toBe(true);
    await expectAnchored(install);
    // The legal page's heading has no id: no anchor.
    const legal = (await searchChunks({ query: 'licence', mode: 'fulltext', limit: 1 })).results[0]!;
    expect(legal.url).toBe(`${corpus.site.url}/docs/legal`);
    expect(legal.pageUrl).toBe(legal.url);
    for (const hit of (await searchChunks({ query: 'widgets', limit: 20 })).results) await expectAnchored(hit);
  });

  it('hybrid is the default mode', async () => {
    const res = await searchChunks({ query: 'installing' });
    expect(res.mode).toBe('hybrid');
    expect(res.results.length).toBeLessThanOrEqual(5);
    expect(res.results.some((h) => h.score.vectorRank !== null && h.score.textRank !== null)).toBe(true);
  });

  it('vector mode: only vector ranks, consecutive, similarity non-increasing, fused = w/(k+rank)', async () => {
    const res = await searchChunks({ query: 'overlapping widgets', mode: 'vector', limit: 10, fusion: RRF60 });
    expect(res.results).toHaveLength(10);
    res.results.forEach((h, i) => {
      expect(h.score).toMatchObject({ vectorRank: i + 1, textRank: null, textScore: null });
      expect(h.score.vectorSimilarity).toEqual(expect.any(Number));
      expect(h.score.fused).toBeCloseTo(1 / (60 + i + 1), 12);
      if (i > 0) expect(h.score.vectorSimilarity!).toBeLessThanOrEqual(res.results[i - 1]!.score.vectorSimilarity!);
    });
  });

  it('full-text mode: only text ranks, consecutive, text score non-increasing, only chunks with a query word', async () => {
    const res = await searchChunks({ query: 'stage ledger', mode: 'fulltext', limit: 50, fusion: RRF60 });
    expect(res.results.length).toBeGreaterThanOrEqual(8);
    expect(res.results.length).toBeLessThan(corpus.totalChunks);
    res.results.forEach((h, i) => {
      expect(h.score).toMatchObject({ textRank: i + 1, vectorRank: null, vectorSimilarity: null });
      expect(h.score.textScore).toBeGreaterThan(0);
      expect(h.score.fused).toBeCloseTo(1 / (60 + i + 1), 12);
      expect(h.content.toLowerCase()).toMatch(/stage|ledger/);
      if (i > 0) expect(h.score.textScore!).toBeLessThanOrEqual(res.results[i - 1]!.score.textScore!);
    });
  });

  it('over its candidate budget, full text scores chunks holding the words together, and falls back when too few do', async () => {
    const { db, termStats } = corpus.rt.search;
    const stats = await termStats.get();
    const textList = async (query: string, limit: number, candidateBudget?: number) => {
      const bm25 = bm25Query(await queryLexemes(db, query), stats, candidateBudget);
      const list = await textCandidates(db, {
        table: 'chunks',
        text: query,
        vector: null,
        model: '',
        useVector: false,
        useText: true,
        candidates: 40,
        limit,
        fusion: RRF60,
        filters: { sourceIds: [src.manual] },
        bm25,
      });
      const content = await db
        .select({ id: chunks.id, content: chunks.content })
        .from(chunks)
        .where(
          inArray(
            chunks.id,
            list.map((r) => r.id),
          ),
        );
      return content.map((c) => c.content.toLowerCase());
    };
    // The calibration log repeats "spindle" in every entry but has no ledger; the intro and each stage name both.
    const both = (text: string) => text.includes('spindle') && text.includes('ledger');
    const all = await textList('spindle ledger', 5);
    expect(all.filter(both)).toHaveLength(9);
    expect(all.length).toBeGreaterThan(9);
    // With a budget of 2, only chunks holding both words are read, while they are enough for the results asked.
    const strict = await textList('spindle ledger', 5, 2);
    expect(strict).toEqual(expect.arrayContaining(all.filter(both)));
    expect(strict.every(both)).toBe(true);
    expect((await textList('spindle ledger', 9, 2)).length).toBe(9);
    expect((await textList('spindle ledger', 10, 2)).length).toBe(all.length);
    // "wombat" (stages 6, 7) never meets "zephyr" (1, 3, 5): the strict selection finds nothing, the looser one all five.
    expect(await textList('zephyr wombat', 1, 1)).toHaveLength(5);
    expect(await textList('zephyr wombat', 1)).toHaveLength(5);
  });

  it('hybrid mode: ranks are those of the vector and full-text lists, fused = Σ 1/(60+rank), ordered by it', async () => {
    for (const query of ['overlapping widgets', 'configuration options', 'Stage 4 dugong ledger', 'stage ledger']) {
      const [hybrid, vector, text] = await Promise.all([
        searchChunks({ query, limit: 10, fusion: RRF60 }),
        searchChunks({ query, mode: 'vector', limit: 50 }),
        searchChunks({ query, mode: 'fulltext', limit: 50 }),
      ]);
      expect(hybrid.results).toHaveLength(10);
      expect(hybrid.results.some((h) => h.score.vectorRank !== null && h.score.textRank !== null)).toBe(true);
      hybrid.results.forEach((h, i) => {
        const { vectorRank, textRank } = h.score;
        expect(vectorRank !== null || textRank !== null).toBe(true);
        if (vectorRank !== null) expect(vector.results[vectorRank - 1]?.chunkId).toBe(h.chunkId);
        else expect(vector.results.some((v) => v.chunkId === h.chunkId)).toBe(false);
        if (textRank !== null) expect(text.results[textRank - 1]?.chunkId).toBe(h.chunkId);
        else expect(text.results.some((t) => t.chunkId === h.chunkId)).toBe(false);
        expect(h.score.fused).toBeCloseTo(rrf(60, 1, vectorRank) + rrf(60, 1, textRank), 12);
        if (i > 0) expect(h.score.fused).toBeLessThanOrEqual(hybrid.results[i - 1]!.score.fused);
      });
    }
  });

  it('limit caps the number of results', async () => {
    for (const limit of [1, 2, 7]) expect((await searchChunks({ query: 'widgets', limit })).results).toHaveLength(limit);
  });
});

describe('fusion options', () => {
  /** The fused list predicted from the two single-mode lists. */
  async function predicted(query: string, fusion: Fusion, limit: number) {
    const [vector, text] = await Promise.all([
      searchChunks({ query, mode: 'vector', limit: 50 }),
      searchChunks({ query, mode: 'fulltext', limit: 50 }),
    ]);
    expect(vector.results.length).toBeLessThan(50); // the whole list, not a prefix
    expect(text.results.length).toBeGreaterThan(1);
    const scores = new Map<number, number>();
    for (const [i, h] of vector.results.entries()) scores.set(h.chunkId, rrf(fusion.k, fusion.vectorWeight, i + 1));
    for (const [i, h] of text.results.entries()) scores.set(h.chunkId, (scores.get(h.chunkId) ?? 0) + rrf(fusion.k, fusion.textWeight, i + 1));
    return [...scores.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([chunkId, score]) => ({ chunkId, score }));
  }

  it.each([
    { k: 60, vectorWeight: 1, textWeight: 1 },
    { k: 1, vectorWeight: 1, textWeight: 1 },
    { k: 1000, vectorWeight: 1, textWeight: 1 },
    { k: 60, vectorWeight: 2, textWeight: 0.5 },
    { k: 10, vectorWeight: 0.3, textWeight: 3 },
  ])('RRF with %o gives the scores and order it predicts', async (fusion) => {
    const query = 'stage ledger widgets';
    const res = await searchChunks({ query, limit: 12, fusion });
    const expected = await predicted(query, fusion, 12);
    expect(res.results.map((h) => h.chunkId)).toEqual(expected.map((e) => e.chunkId));
    res.results.forEach((h, i) => {
      expect(h.score.fused).toBeCloseTo(expected[i]!.score, 12);
      expect(h.score.fused).toBeCloseTo(
        rrf(fusion.k, fusion.vectorWeight, h.score.vectorRank) + rrf(fusion.k, fusion.textWeight, h.score.textRank),
        12,
      );
    });
  });

  it('without fusion options the embedder’s defaults apply; given options override them one by one', async () => {
    const defaults = defaultFusion(corpus.rt.search.embedder);
    // A semantic model gets the usual RRF: k = 60, equal weights.
    expect(defaultFusion({ model: 'text-embedding-3-small', dimensions: 1536, embed: async () => [] })).toEqual(RRF60);
    const query = 'stage ledger widgets';
    const [byDefault, explicit, kOnly] = await Promise.all([
      searchChunks({ query, limit: 10 }),
      searchChunks({ query, limit: 10, fusion: defaults }),
      searchChunks({ query, limit: 10, fusion: { k: 1 } }),
    ]);
    expect(byDefault.results.map((h) => [h.chunkId, h.score])).toEqual(explicit.results.map((h) => [h.chunkId, h.score]));
    for (const h of byDefault.results) {
      expect(h.score.fused).toBeCloseTo(
        rrf(defaults.k, defaults.vectorWeight, h.score.vectorRank) + rrf(defaults.k, defaults.textWeight, h.score.textRank),
        12,
      );
    }
    for (const h of kOnly.results) {
      expect(h.score.fused).toBeCloseTo(rrf(1, defaults.vectorWeight, h.score.vectorRank) + rrf(1, defaults.textWeight, h.score.textRank), 12);
    }
    expect(kOnly.results[0]!.score.fused).not.toBeCloseTo(byDefault.results[0]!.score.fused, 6);
  });

  it('textWeight 0 makes hybrid order the vector order; vectorWeight 0 makes it the full-text order', async () => {
    const query = 'stage ledger';
    const [vecOnly, vector, textOnly, text] = await Promise.all([
      searchChunks({ query, limit: 20, fusion: { ...RRF60, textWeight: 0 } }),
      searchChunks({ query, mode: 'vector', limit: 20, fusion: RRF60 }),
      searchChunks({ query, limit: 20, fusion: { ...RRF60, vectorWeight: 0 } }),
      searchChunks({ query, mode: 'fulltext', limit: 20, fusion: RRF60 }),
    ]);
    expect(vecOnly.results.map((h) => h.chunkId)).toEqual(vector.results.map((h) => h.chunkId));
    for (const [i, h] of vecOnly.results.entries()) expect(h.score.fused).toBeCloseTo(vector.results[i]!.score.fused, 12);
    // Full-text matches first, in full-text order; then vector-only rows, all scored 0.
    const n = text.results.length;
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThan(20);
    expect(textOnly.results.slice(0, n).map((h) => h.chunkId)).toEqual(text.results.map((h) => h.chunkId));
    expect(textOnly.results.slice(n).every((h) => h.score.fused === 0 && h.score.textRank === null)).toBe(true);
  });
});

describe('filters', () => {
  // Matches every source: "widgets" everywhere but in deeper, whose "weights" matches "weight" (full text only).
  const QUERY = 'widgets sorted by weight';
  const sourcesOf = async (input: Pick<SearchArgs, 'sourceIds' | 'tags' | 'knowledgeType'>, mode: SearchArgs['mode'] = 'hybrid') =>
    new Set((await searchChunks({ query: QUERY, mode, limit: 50, ...input })).results.map((h) => h.sourceId));

  it('without filters, results come from every source', async () => {
    expect(await sourcesOf({})).toEqual(new Set(Object.values(src)));
  });

  it('sourceIds keeps only the given sources, in every mode', async () => {
    for (const mode of ['hybrid', 'vector', 'fulltext'] as const) {
      expect(await sourcesOf({ sourceIds: [src.deep] }, mode)).toEqual(new Set([src.deep]));
      expect(await sourcesOf({ sourceIds: [src.docs] }, mode)).toEqual(new Set([src.docs]));
    }
    expect(await sourcesOf({ sourceIds: [src.docs, src.deep] })).toEqual(new Set([src.docs, src.deep]));
    const onlyDeep = await searchChunks({ query: QUERY, sourceIds: [src.deep] });
    expect(onlyDeep.results.map((h) => path(h.pageUrl))).toEqual(['/docs/c/deep']);
  });

  it('tags keeps sources having any of the tags', async () => {
    expect(await sourcesOf({ tags: ['internals'] })).toEqual(new Set([src.deep]));
    expect(await sourcesOf({ tags: ['frob'] })).toEqual(new Set([src.docs, src.manual]));
    expect(await sourcesOf({ tags: ['guides', 'i18n'] })).toEqual(new Set([src.docs, src.i18n]));
    expect(await sourcesOf({ tags: ['internals'] }, 'fulltext')).toEqual(new Set([src.deep]));
    expect(await sourcesOf({ tags: ['no-such-tag'] })).toEqual(new Set());
  });

  it('knowledgeType keeps sources of that type', async () => {
    expect(await sourcesOf({ knowledgeType: 'business' })).toEqual(new Set([src.deep]));
    expect(await sourcesOf({ knowledgeType: 'technical' })).toEqual(new Set([src.docs, src.deeper, src.manual, src.i18n]));
    expect(await sourcesOf({ knowledgeType: 'business' }, 'vector')).toEqual(new Set([src.deep]));
  });

  it('filters combine with AND', async () => {
    expect(await sourcesOf({ tags: ['frob'], sourceIds: [src.manual, src.deep] })).toEqual(new Set([src.manual]));
    expect(await sourcesOf({ knowledgeType: 'technical', sourceIds: [src.deep] })).toEqual(new Set());
  });

  it('an unknown source id gives empty results, not an error', async () => {
    for (const mode of ['hybrid', 'vector', 'fulltext'] as const) {
      const res = await searchChunks({ query: QUERY, mode, sourceIds: ['0123456789abcdef'] });
      expect(res.results).toEqual([]);
    }
    expect((await searchPages({ query: QUERY, sourceIds: ['no-such-source'] })).results).toEqual([]);
    expect((await corpus.rt.caller.knowledge.searchCode({ query: 'frobnicate', sourceIds: ['no-such-source'] })).results).toEqual([]);
  });
});

describe("returnMode 'pages'", () => {
  it.each(['hybrid', 'fulltext'] as const)('%s: one entry per page, chunk matches counted, ordered by boosted best score', async (mode) => {
    const query = 'widgets stage ledger';
    const grouped = await searchPages({ query, mode, limit: 50 });
    const flat = await searchChunks({ query, mode, limit: 50 });
    expect(flat.results.length).toBeLessThan(50); // every candidate, so the counts below are exact
    const byPage = new Map<string, ChunkHit[]>();
    for (const h of flat.results) byPage.set(h.pageId, [...(byPage.get(h.pageId) ?? []), h]);

    expect(grouped.results.map((p) => p.pageId).sort()).toEqual([...byPage.keys()].sort());
    for (const p of grouped.results) {
      const hits = byPage.get(p.pageId)!;
      const best = hits[0]!;
      expect(p.chunkMatches).toBe(hits.length);
      expect(p.score).toBeCloseTo(best.score.fused * (1 + Math.min(0.2, 0.05 * (hits.length - 1))), 12);
      expect(p).toMatchObject({ url: best.pageUrl, title: best.pageTitle, sourceId: best.sourceId, sourceTitle: best.sourceTitle });
      expect(p.best).toEqual({
        chunkId: best.chunkId,
        url: best.url,
        headingPath: best.headingPath,
        excerpt: best.content.slice(0, 400),
        score: best.score,
      });
      expect(p.best.excerpt.length).toBeGreaterThan(0);
    }
    for (const [i, p] of grouped.results.entries()) if (i > 0) expect(p.score).toBeLessThanOrEqual(grouped.results[i - 1]!.score);
    const manual = grouped.results.find((p) => p.sourceId === src.manual)!;
    expect(manual.chunkMatches).toBeGreaterThanOrEqual(8);
    expect(manual.url).toBe(`${corpus.site.url}/manual/ops`);
  });

  it('limit counts pages, not chunks', async () => {
    const res = await searchPages({ query: 'ledger', mode: 'fulltext', limit: 1 });
    expect(res.results).toHaveLength(1);
    const withLedger = (await manualChunks()).filter((r) => /ledger/i.test(r.content)).length;
    expect(withLedger).toBeGreaterThanOrEqual(9); // the intro and the eight stages
    expect(res.results[0]).toMatchObject({ url: `${corpus.site.url}/manual/ops`, chunkMatches: withLedger });
    expect(res.results[0]!.best.excerpt).toMatch(/ledger/);
    const two = await searchPages({ query: 'widgets', limit: 2 });
    expect(two.results).toHaveLength(2);
    expect(new Set(two.results.map((p) => p.pageId)).size).toBe(2);
  });
});

describe('expandContext', () => {
  const stageHeading = (n: number) => `## Stage ${n}: ${STAGE_NAMES[n - 1]}`;

  it('(fixture) the manual is stored as an intro, one chunk per stage, the log in pieces, an appendix', async () => {
    const rows = await manualChunks();
    expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => i));
    expect(rows[0]!.content.startsWith('# Frobnicator operations manual')).toBe(true);
    for (let n = 1; n <= 8; n++) {
      expect(rows[n]!.content.startsWith(stageHeading(n))).toBe(true);
      expect(rows.filter((r) => r.content.includes(stageHeading(n)))).toHaveLength(1);
    }
    expect(rows.at(-1)!.content.startsWith('## Appendix')).toBe(true);
  });

  it('0 (the default) returns the chunk alone', async () => {
    const [hit] = (await searchChunks({ query: 'dugong', mode: 'fulltext', limit: 1 })).results;
    const rows = await manualChunks();
    expect(hit!.chunkIndex).toBe(4);
    expect(hit!.content).toBe(rows[4]!.content);
  });

  it('1 adds the neighbouring chunk on each side, in document order', async () => {
    const rows = await manualChunks();
    const [hit] = (await searchChunks({ query: 'dugong', mode: 'fulltext', limit: 1, expandContext: 1 })).results;
    expect(hit).toMatchObject({ chunkIndex: 4, url: `${corpus.site.url}/manual/ops#stage-4` });
    expect(hit!.content).toBe([3, 4, 5].map((i) => rows[i]!.content).join('\n\n'));
    const at = [3, 4, 5].map((n) => hit!.content.indexOf(stageHeading(n)));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(hit!.content).not.toContain(stageHeading(2));
    expect(hit!.content).not.toContain(stageHeading(6));
  });

  it('2 adds two on each side; the window stops at the page edges', async () => {
    const [mid] = (await searchChunks({ query: 'dugong', mode: 'fulltext', limit: 1, expandContext: 2 })).results;
    for (const n of [2, 3, 4, 5, 6]) expect(occurrences(mid!.content, stageHeading(n))).toBe(1);
    expect(mid!.content).not.toContain(stageHeading(1));
    expect(mid!.content).not.toContain(stageHeading(7));

    const rows = await manualChunks();
    const [first] = (await searchChunks({ query: 'production run', mode: 'fulltext', limit: 1, expandContext: 1 })).results;
    expect(first!.chunkIndex).toBe(0);
    expect(first!.content).toBe(`${rows[0]!.content}\n\n${rows[1]!.content}`);
    const [last] = (await searchChunks({ query: 'spare parts cabinet', mode: 'fulltext', limit: 1, expandContext: 1 })).results;
    expect(last!.chunkIndex).toBe(rows.length - 1);
    expect(last!.content.endsWith(rows.at(-1)!.content)).toBe(true);
    expect(occurrences(last!.content, '## Appendix')).toBe(1);
  });

  it('two hits on one page whose windows touch become one result, with no text twice', async () => {
    const plain = (await searchChunks({ query: 'wombat', mode: 'fulltext', limit: 2 })).results;
    expect(plain.map((h) => h.chunkIndex)).toEqual([6, 7]);
    const res = await searchChunks({ query: 'wombat', mode: 'fulltext', limit: 2, expandContext: 1 });
    expect(res.results).toHaveLength(1);
    const [merged] = res.results;
    expect(merged!.chunkId).toBe(plain[0]!.chunkId); // the best-ranked hit carries the passage
    for (const n of [5, 6, 7, 8]) expect(occurrences(merged!.content, stageHeading(n))).toBe(1);
    const rows = await manualChunks();
    expect(merged!.content).toBe([5, 6, 7, 8].map((i) => rows[i]!.content).join('\n\n'));
  });

  it('chunks that overlap (a long section split in pieces) are joined without repeating the overlap', async () => {
    const rows = await manualChunks();
    const logChunks = rows.filter((r) => r.content.includes('Log entry'));
    expect(logChunks.length).toBeGreaterThanOrEqual(3);
    // The chunker repeats the tail of a piece at the start of the next one.
    const repeated = Array.from({ length: LOG_ENTRIES }, (_, k) => `Log entry ${k + 1}:`).filter(
      (label) => rows.filter((r) => r.content.includes(label)).length > 1,
    );
    expect(repeated.length).toBeGreaterThan(0);

    const [hit] = (await searchChunks({ query: 'heliotrope', mode: 'fulltext', limit: 1, expandContext: 1 })).results;
    const hitRow = rows.find((r) => r.content.includes('heliotrope'))!;
    expect(hit!.chunkIndex).toBe(hitRow.index);
    const window = rows.filter((r) => Math.abs(r.index - hitRow.index) <= 1);
    const labels = Array.from({ length: LOG_ENTRIES }, (_, k) => `Log entry ${k + 1}:`).filter((l) => window.some((r) => r.content.includes(l)));
    expect(labels.length).toBeGreaterThan(10);
    for (const label of labels) expect([label, occurrences(hit!.content, label)]).toEqual([label, 1]);
    const at = labels.map((l) => hit!.content.indexOf(l));
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });

  it('a hit that bridges two earlier windows on one page does not repeat text', async () => {
    // Full-text ranks the zephyr chunks 1, 5, 3. With radius 1 their windows are
    // [0,2], [4,6] and [2,4]: the third touches both others, so together they
    // cover chunks 0–6 once. Passages must not share a chunk.
    const plain = (await searchChunks({ query: 'zephyr', mode: 'fulltext', limit: 3 })).results;
    expect(plain.map((h) => h.chunkIndex)).toEqual([1, 5, 3]);
    const res = await searchChunks({ query: 'zephyr', mode: 'fulltext', limit: 3, expandContext: 1 });
    const all = res.results.map((h) => h.content).join('\n\n');
    for (const n of [1, 2, 3, 4, 5, 6]) expect([stageHeading(n), occurrences(all, stageHeading(n))]).toEqual([stageHeading(n), 1]);
  });

  it('pages mode ignores expandContext (excerpts come from the matching chunk)', async () => {
    const res = await searchPages({ query: 'dugong', mode: 'fulltext', limit: 1, expandContext: 2 });
    expect(res.results[0]!.best.excerpt.startsWith(stageHeading(4))).toBe(true);
  });
});
