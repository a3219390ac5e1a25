import { TRPCError } from '@trpc/server';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, pages } from '../../db/schema';
import { isAppError } from '../../server/errors';
import { createCaller } from '../../server/routers/_app';
import { createSearchDeps } from '../../server/runtime';
import { searchInputSchema, type Fusion } from '../../server/schemas/search';
import type { ChunkHit } from '../../server/services/search/hits';
import { defaultFusion, searchKnowledge, type SearchDeps } from '../../server/services/search/search-knowledge';
import { createContextInner } from '../../server/trpc/context';
import { fixturePage, startDocsSite, type DocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

// ---------------------------------------------------------------------------
// Extra fixture pages, served by the docs site next to its own pages.
// ---------------------------------------------------------------------------

/**
 * A manual long enough for many chunks: an intro (chunk 0), eight stages
 * (chunks 1–8: each is over the chunker's minimum size, so one chunk per H2;
 * each has its own marker animal), a calibration log
 * long enough to be split into overlapping pieces, and an appendix. "zephyr"
 * occurs 3×, 2×, 1× in stages 1, 5 and 3, so full-text search ranks them
 * 1, 5, 3; "wombat" is in stages 6 and 7 only.
 */
const MARKERS = ['aardwolf', 'bandicoot', 'caracal', 'dugong', 'echidna', 'fossa', 'gharial', 'hoatzin'];
const STAGE_NAMES = ['Unpacking', 'Levelling', 'Sorting', 'Balancing', 'Polishing', 'Stacking', 'Labelling', 'Shipping'];
const ZEPHYRS: Record<number, number> = { 1: 3, 5: 2, 3: 1 };
const LOG_ENTRIES = 60;
const HELIOTROPE_ENTRY = 30;

function stageHtml(n: number): string {
  const marker = MARKERS[n - 1]!;
  const zephyr = ' A zephyr of air from the vents helps here.'.repeat(ZEPHYRS[n] ?? 0);
  const wombat = n === 6 || n === 7 ? ' The wombat gauge must read green before moving on.' : '';
  const bash =
    n === 2
      ? `<p>Level the trays from a shell before sorting them:</p><pre><code class="language-bash">frob level --trays 12 --tolerance 0.5 --log /var/log/frob-level.log</code></pre>`
      : '';
  return `<h2 id="stage-${n}">Stage ${n}: ${STAGE_NAMES[n - 1]}</h2>
  <p>Stage ${n} begins when the operator opens the ${marker} ledger and reads the tray counts aloud.${zephyr}${wombat}</p>
  <p>The ${marker} ledger records every tray handled during stage ${n}, with the time, the spindle speed and the name of the operator on shift.</p>
  <p>When stage ${n} ends, the operator signs the ${marker} ledger and hands the trays to the next station along the line.</p>
  <p>Between trays the crew takes a short pause, glances at the counter on the wall and notes anything unusual in the margin of the ${marker} ledger. Nothing else happens until the bell rings for the next stage.</p>${bash}`;
}

const logEntry = (k: number) =>
  `Log entry ${k}: the spindle read ${100 + k * 7} units at hour ${k}${k === HELIOTROPE_ENTRY ? ' while the heliotrope lamp flickered' : ''} and folio ${k} was filed.`;

const MANUAL_PAGE = fixturePage(
  'Operations manual',
  `<h1 id="manual">Frobnicator operations manual</h1>
<p>This manual walks an operator through the eight stages of a production run, from unpacking the trays to shipping them.</p>
<p>Read it once from beginning to end before your first shift. Each stage has its own ledger, named after an animal so that nobody mixes them up, and its own short checklist.</p>
<p>Keep the manual at the station; supervisors update it whenever the line changes, and the calibration log at the end records every reading of the spindles.</p>
<p>New operators shadow an experienced colleague for a full week before they run a line alone, and they sign the front page of this manual when they have read it.</p>
${STAGE_NAMES.map((_, i) => stageHtml(i + 1)).join('\n')}
<h2 id="calibration-log">Calibration log</h2>
${Array.from({ length: LOG_ENTRIES }, (_, k) => `<p>${logEntry(k + 1)}</p>`).join('\n')}
<h2 id="appendix">Appendix</h2><p>Spare parts are kept in the cabinet beside the press.</p>`,
);

const EMOJI_LINE = (k: number) => `Step ${k} 🚀 check the rocket 🎉 and the 👩‍🚀 crew.`;
const I18N_PAGES: Record<string, string> = {
  '/i18n/': fixturePage(
    'International',
    `<h1>International pages</h1><p>Translations.</p><ul><li><a href="/i18n/de">Deutsch</a></li><li><a href="/i18n/ja">日本語</a></li><li><a href="/i18n/ru">Русский</a></li><li><a href="/i18n/emoji">Emoji</a></li></ul>`,
  ),
  '/i18n/de': fixturePage(
    'Größenprüfung',
    `<h1 id="pruefung">Überprüfung der Größe</h1><p>Die Überprüfung der Größe erfolgt täglich in München. Schöne Grüße an alle Prüfer, die Maße übernehmen.</p>`,
  ),
  '/i18n/ja': fixturePage('ウィジェットの配置', `<h1 id="haichi">ウィジェットの配置</h1><p>フロブニケーターはウィジェットを自動的に配置します。設定ファイルを編集してください。</p>`),
  '/i18n/ru': fixturePage(
    'Настройка виджетов',
    `<h1 id="nastroika">Настройка виджетов</h1><p>Фробникатор упорядочивает виджеты по весу. Проверка конфигурации выполняется при запуске.</p>`,
  ),
  '/i18n/emoji': fixturePage('Launch checklist', `<h1 id="launch">Launch checklist 🚀</h1><p>${Array.from({ length: 12 }, (_, k) => EMOJI_LINE(k + 1)).join(' ')}</p>`),
};

// ---------------------------------------------------------------------------
// Setup: five sources on one fixture site.
// ---------------------------------------------------------------------------

let rt: TestRuntime;
let site: DocsSite;
/** docs: /docs/ crawled recursively; deep and deeper: single pages; manual: the long page; i18n: other languages. */
const src = { docs: '', deep: '', deeper: '', manual: '', i18n: '' };
let totalChunks = 0;

type CrawlInput = Parameters<TestRuntime['caller']['knowledge']['crawl']>[0];
type SearchArgs = Parameters<TestRuntime['caller']['knowledge']['search']>[0];

async function crawlToEnd(input: CrawlInput) {
  const job = await rt.caller.knowledge.crawl(input);
  const done = await waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `crawl of ${input.url}`,
  );
  expect(done, `crawl of ${input.url}: ${done.error}`).toMatchObject({ status: 'completed', pagesFailed: 0, embeddingsFailed: 0 });
  return done.sourceId!;
}

beforeAll(async () => {
  site = await startDocsSite();
  site.setPage('/manual/ops', MANUAL_PAGE);
  for (const [path, html] of Object.entries(I18N_PAGES)) site.setPage(path, html);
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
  [src.docs, src.deep, src.deeper, src.manual, src.i18n] = await Promise.all([
    crawlToEnd({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2, title: 'Fixture guides', tags: ['frob', 'guides'], knowledgeType: 'technical' }),
    crawlToEnd({ url: `${site.url}/docs/c/deep`, mode: 'single', tags: ['internals'], knowledgeType: 'business' }),
    crawlToEnd({ url: `${site.url}/docs/c/deeper`, mode: 'single', tags: ['noembed'] }),
    crawlToEnd({ url: `${site.url}/manual/ops`, mode: 'single', tags: ['frob', 'manual'] }),
    crawlToEnd({ url: `${site.url}/i18n/`, mode: 'recursive', tags: ['i18n'] }),
  ]);
  // A source whose embeddings are missing (never embedded, or the provider was down at ingest).
  await rt.database.db.execute(
    sql`update chunks set embedding = null, embedding_model = null, embedding_dim = null where source_id = ${src.deeper}`,
  );
  totalChunks = (await rt.database.db.select({ n: count() }).from(chunks))[0]!.n;
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await site?.close();
});

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const path = (url: string) => url.replace(site.url, '');

async function searchChunks(input: SearchArgs & { returnMode?: 'chunks' }) {
  const res = await rt.caller.knowledge.search(input);
  expect(res.returnMode).toBe('chunks');
  return res as Extract<typeof res, { returnMode: 'chunks' }>;
}

async function searchPages(input: SearchArgs) {
  const res = await rt.caller.knowledge.search({ ...input, returnMode: 'pages' });
  expect(res.returnMode).toBe('pages');
  return res as Extract<typeof res, { returnMode: 'pages' }>;
}

/** The tRPC error code a call fails with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof TRPCError ? err.code : `not a TRPCError: ${String(err)}`;
  }
}

const rrf = (k: number, w: number, rank: number | null) => (rank === null ? 0 : w / (k + rank));
/** Textbook RRF, given explicitly where a test checks the arithmetic (the defaults depend on the embedder). */
const RRF60: Fusion = { k: 60, vectorWeight: 1, textWeight: 1 };

/**
 * A hit's URL is its page URL with the id of the deepest heading of its
 * section path that has one on the page (from the page's stored anchors).
 */
async function expectAnchored(hit: { url: string; pageUrl: string; headingPath: string[] }) {
  const [page] = await rt.database.db.select({ metadata: pages.metadata }).from(pages).where(eq(pages.url, hit.pageUrl));
  const anchors = ((page?.metadata as { anchors?: { id: string; text: string }[] }).anchors ?? []).filter((a) => a.id);
  const plain = (s: string) => s.replace(/[`*_[\]()#]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
  const anchor = [...hit.headingPath].reverse().map((h) => anchors.find((a) => plain(a.text) === plain(h))).find(Boolean);
  expect(hit.url).toBe(anchor ? `${hit.pageUrl}#${encodeURIComponent(anchor.id)}` : hit.pageUrl);
}

async function manualChunks() {
  return rt.database.db
    .select({ id: chunks.id, index: chunks.chunkIndex, content: chunks.content })
    .from(chunks)
    .where(eq(chunks.sourceId, src.manual))
    .orderBy(asc(chunks.chunkIndex));
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

// ---------------------------------------------------------------------------

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
    expect(stage4.url).toBe(`${site.url}/manual/ops#stage-4`);
    expect(stage4.headingPath).toEqual(['Frobnicator operations manual', 'Stage 4: Balancing']);
    const install = (await searchChunks({ query: 'installing', limit: 1 })).results[0]!;
    expect(install.url.startsWith(`${site.url}/docs/b#`)).toBe(true);
    await expectAnchored(install);
    // The legal page's heading has no id: no anchor.
    const legal = (await searchChunks({ query: 'licence', mode: 'fulltext', limit: 1 })).results[0]!;
    expect(legal.url).toBe(`${site.url}/docs/legal`);
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
    expect(res.results.length).toBeLessThan(totalChunks);
    res.results.forEach((h, i) => {
      expect(h.score).toMatchObject({ textRank: i + 1, vectorRank: null, vectorSimilarity: null });
      expect(h.score.textScore).toBeGreaterThan(0);
      expect(h.score.fused).toBeCloseTo(1 / (60 + i + 1), 12);
      expect(h.content.toLowerCase()).toMatch(/stage|ledger/);
      if (i > 0) expect(h.score.textScore!).toBeLessThanOrEqual(res.results[i - 1]!.score.textScore!);
    });
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
    vector.results.forEach((h, i) => scores.set(h.chunkId, rrf(fusion.k, fusion.vectorWeight, i + 1)));
    text.results.forEach((h, i) => scores.set(h.chunkId, (scores.get(h.chunkId) ?? 0) + rrf(fusion.k, fusion.textWeight, i + 1)));
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
      expect(h.score.fused).toBeCloseTo(rrf(fusion.k, fusion.vectorWeight, h.score.vectorRank) + rrf(fusion.k, fusion.textWeight, h.score.textRank), 12);
    });
  });

  it('without fusion options the embedder’s defaults apply; given options override them one by one', async () => {
    const defaults = defaultFusion(rt.search.embedder);
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
      expect(h.score.fused).toBeCloseTo(rrf(defaults.k, defaults.vectorWeight, h.score.vectorRank) + rrf(defaults.k, defaults.textWeight, h.score.textRank), 12);
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
    vecOnly.results.forEach((h, i) => expect(h.score.fused).toBeCloseTo(vector.results[i]!.score.fused, 12));
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
    expect((await rt.caller.knowledge.searchCode({ query: 'frobnicate', sourceIds: ['no-such-source'] })).results).toEqual([]);
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
      expect(p.best).toEqual({ chunkId: best.chunkId, url: best.url, headingPath: best.headingPath, excerpt: best.content.slice(0, 400) });
      expect(p.best.excerpt.length).toBeGreaterThan(0);
    }
    grouped.results.forEach((p, i) => i > 0 && expect(p.score).toBeLessThanOrEqual(grouped.results[i - 1]!.score));
    const manual = grouped.results.find((p) => p.sourceId === src.manual)!;
    expect(manual.chunkMatches).toBeGreaterThanOrEqual(8);
    expect(manual.url).toBe(`${site.url}/manual/ops`);
  });

  it('limit counts pages, not chunks', async () => {
    const res = await searchPages({ query: 'ledger', mode: 'fulltext', limit: 1 });
    expect(res.results).toHaveLength(1);
    const withLedger = (await manualChunks()).filter((r) => /ledger/i.test(r.content)).length;
    expect(withLedger).toBeGreaterThanOrEqual(9); // the intro and the eight stages
    expect(res.results[0]).toMatchObject({ url: `${site.url}/manual/ops`, chunkMatches: withLedger });
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
    expect(hit).toMatchObject({ chunkIndex: 4, url: `${site.url}/manual/ops#stage-4` });
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

describe('knowledge.searchCode', () => {
  it('finds the TypeScript example on /docs/a by a natural query', async () => {
    const res = await rt.caller.knowledge.searchCode({ query: 'example of calling frobnicate in fast mode', limit: 5 });
    expect(res.warnings).toEqual([]);
    const [top] = res.results;
    expect(top).toMatchObject({
      language: 'typescript',
      name: 'Example',
      url: `${site.url}/docs/a#example`,
      sourceId: src.docs,
      headingPath: ['Guide A: configuring the frobnicator', 'Example'],
    });
    expect(top!.code).toContain("frobnicate({ widgets: 12, mode: 'fast' })");
    expect(top!.summary.length).toBeGreaterThan(0);
    expect(top!.pageTitle).toContain('Guide A');
    expect(top!.score.vectorRank).toBe(1);
  });

  it('filters by language, case-insensitively', async () => {
    const query = 'frob command to level widgets and trays';
    const all = await rt.caller.knowledge.searchCode({ query, limit: 10 });
    expect(new Set(all.results.map((r) => r.language))).toEqual(new Set(['typescript', 'bash']));
    const bash = await rt.caller.knowledge.searchCode({ query, language: 'bash' });
    expect(bash.results.length).toBeGreaterThan(0);
    expect(bash.results.every((r) => r.language === 'bash')).toBe(true);
    expect(bash.results[0]).toMatchObject({ name: 'Stage 2: Levelling', url: `${site.url}/manual/ops#stage-2`, sourceId: src.manual });
    expect(bash.results[0]!.code).toContain('frob level --trays 12');
    expect(bash.results[0]!.summary).toContain('Level the trays from a shell');
    const ts = await rt.caller.knowledge.searchCode({ query, language: 'typescript' });
    expect(ts.results.map((r) => r.language)).toEqual(['typescript']);
    const tsUpper = await rt.caller.knowledge.searchCode({ query, language: 'TypeScript' });
    expect(tsUpper.results.map((r) => r.id)).toEqual(ts.results.map((r) => r.id));
    expect((await rt.caller.knowledge.searchCode({ query, language: 'cobol' })).results).toEqual([]);
  });

  it('full text matches words of the code itself, not only their English stems', async () => {
    // Code is indexed with the 'simple' configuration (no stemming); these words occur only in code.
    const widgets = await rt.caller.knowledge.searchCode({ query: 'widgets', mode: 'fulltext' });
    expect(widgets.results.map((r) => r.language)).toEqual(['typescript']);
    const tolerance = await rt.caller.knowledge.searchCode({ query: 'tolerance', mode: 'fulltext' });
    expect(tolerance.results.map((r) => r.language)).toEqual(['bash']);
  });

  it('each mode scores consistently, and source filters apply', async () => {
    const query = 'example of calling frobnicate in fast mode';
    const vector = await rt.caller.knowledge.searchCode({ query, mode: 'vector' });
    expect(vector.results.every((r) => r.score.textRank === null && r.score.vectorRank !== null)).toBe(true);
    const text = await rt.caller.knowledge.searchCode({ query, mode: 'fulltext' });
    expect(text.results.length).toBeGreaterThan(0);
    expect(text.results.every((r) => r.score.vectorRank === null && r.score.textRank !== null)).toBe(true);
    expect(text.results[0]!.language).toBe('typescript');
    const manualOnly = await rt.caller.knowledge.searchCode({ query, tags: ['manual'] });
    expect(manualOnly.results.map((r) => r.sourceId)).toEqual([src.manual]);
    expect((await rt.caller.knowledge.searchCode({ query, knowledgeType: 'business' })).results).toEqual([]);
  });

  it('a query without letters or digits gives no results and a warning', async () => {
    const res = await rt.caller.knowledge.searchCode({ query: '{}();' });
    expect(res.results).toEqual([]);
    expect(res.warnings.join(' ')).toMatch(/no letters or digits/);
  });
});

describe('knowledge.listPages', () => {
  const DOCS_PATHS = ['/docs/', '/docs/a', '/docs/b', '/docs/c/', '/docs/legal'];

  it('lists a source’s pages by URL with counts', async () => {
    const res = await rt.caller.knowledge.listPages({ sourceId: src.docs });
    expect(res).toMatchObject({ total: 5, limit: 50, offset: 0 });
    expect(res.items.map((p) => path(p.url))).toEqual(DOCS_PATHS);
    const a = res.items.find((p) => p.url.endsWith('/docs/a'))!;
    const stored = await rt.database.db.select({ n: count() }).from(chunks).where(eq(chunks.pageId, a.id));
    expect(a).toMatchObject({ sourceId: src.docs, title: 'Guide A | Fixture Docs', chunkCount: stored[0]!.n });
    expect(a.chunkCount).toBeGreaterThan(0);
    expect(a.charCount).toBeGreaterThan(100);
    expect(a.wordCount).toBeGreaterThan(10);
    expect(a).not.toHaveProperty('content');
  });

  it('pages through with limit and offset', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 10; offset += 2) {
      const res = await rt.caller.knowledge.listPages({ sourceId: src.docs, limit: 2, offset });
      expect(res.total).toBe(5);
      expect(res.items.length).toBe(Math.max(0, Math.min(2, 5 - offset)));
      seen.push(...res.items.map((p) => path(p.url)));
    }
    expect(seen).toEqual(DOCS_PATHS);
  });

  it('filters by title or URL, treating LIKE wildcards literally', async () => {
    const guides = await rt.caller.knowledge.listPages({ sourceId: src.docs, query: 'guide' });
    expect(guides.items.map((p) => path(p.url))).toEqual(['/docs/a', '/docs/b']);
    expect(guides.total).toBe(2);
    const byUrl = await rt.caller.knowledge.listPages({ sourceId: src.docs, query: '/docs/c' });
    expect(byUrl.items.map((p) => path(p.url))).toEqual(['/docs/c/']);
    expect((await rt.caller.knowledge.listPages({ sourceId: src.docs, query: '%' })).total).toBe(0);
    expect((await rt.caller.knowledge.listPages({ sourceId: src.docs, query: '_' })).total).toBe(0);
    expect((await rt.caller.knowledge.listPages({ sourceId: src.i18n, query: 'größen' })).items.map((p) => path(p.url))).toEqual(['/i18n/de']);
  });

  it('answers NOT_FOUND for an unknown source', async () => {
    expect(await outcome(rt.caller.knowledge.listPages({ sourceId: '0123456789abcdef' }))).toBe('NOT_FOUND');
  });
});

describe('knowledge.readPage', () => {
  async function pageRow(p: string) {
    const [row] = await rt.database.db.select().from(pages).where(eq(pages.url, `${site.url}${p}`));
    return row!;
  }

  /** Reads a page in pieces, following the offset each notice gives. */
  async function readAll(ref: { pageId: string } | { url: string }, maxChars: number) {
    const parts: string[] = [];
    let offset = 0;
    for (let i = 0; i < 200; i++) {
      const res = await rt.caller.knowledge.readPage({ ...ref, offset, maxChars });
      parts.push(res.content);
      expect(res.offset).toBe(offset);
      if (res.truncated && res.content === '') throw new Error(`readPage is stuck at offset ${offset}: empty content, yet truncated (${res.notice})`);
      if (!res.truncated) {
        expect(res.notice).toBeNull();
        return parts;
      }
      const next = /offset (\d+)/.exec(res.notice ?? '');
      expect(next, `notice: ${res.notice}`).not.toBeNull();
      offset = Number(next![1]);
    }
    throw new Error('readPage never reached the end');
  }

  it('reads a whole page by id and by URL', async () => {
    const row = await pageRow('/docs/a');
    const byId = await rt.caller.knowledge.readPage({ pageId: row.id });
    expect(byId).toMatchObject({ id: row.id, url: row.url, title: row.title, sourceId: src.docs, content: row.content, truncated: false, notice: null, offset: 0 });
    const byUrl = await rt.caller.knowledge.readPage({ url: `${site.url}/docs/a` });
    expect(byUrl).toEqual(byId);
  });

  it('a page over maxChars says so and reading on with the given offset yields the rest exactly', async () => {
    const row = await pageRow('/manual/ops');
    expect(row.charCount).toBeGreaterThan(4000);
    const first = await rt.caller.knowledge.readPage({ pageId: row.id, maxChars: 1000 });
    expect(first.truncated).toBe(true);
    expect(first.content).toBe(row.content.slice(0, 1000));
    expect(first.notice).toContain(String(row.charCount));
    expect(first.notice).toContain('offset 1000');
    const parts = await readAll({ pageId: row.id }, 1000);
    expect(parts.length).toBe(Math.ceil(row.charCount / 1000));
    expect(parts.join('')).toBe(row.content);
    expect((await readAll({ url: row.url }, 777)).join('')).toBe(row.content);
  });

  it('offsets count the same characters as the content returned, also beyond the BMP (emoji)', async () => {
    const row = await pageRow('/i18n/emoji');
    expect(row.content).toContain('👩‍🚀');
    const parts = await readAll({ pageId: row.id }, 100);
    expect(parts.join('')).toBe(row.content);
  });

  it('reading past the end gives empty content, not an error', async () => {
    const row = await pageRow('/docs/b');
    const res = await rt.caller.knowledge.readPage({ pageId: row.id, offset: row.charCount + 10 });
    expect(res).toMatchObject({ content: '', truncated: false, notice: null });
  });

  it('unknown pages are NOT_FOUND; both or neither of pageId/url is BAD_REQUEST', async () => {
    const row = await pageRow('/docs/a');
    expect(await outcome(rt.caller.knowledge.readPage({ pageId: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    expect(await outcome(rt.caller.knowledge.readPage({ url: `${site.url}/docs/nope` }))).toBe('NOT_FOUND');
    expect(await outcome(rt.caller.knowledge.readPage({ pageId: row.id, url: row.url }))).toBe('BAD_REQUEST');
    expect(await outcome(rt.caller.knowledge.readPage({}))).toBe('BAD_REQUEST');
  });
});

describe('hostile and unusual queries', () => {
  const MODES = ['hybrid', 'vector', 'fulltext'] as const;

  async function everyMode(query: string) {
    const out: Record<string, { code: string; results: ChunkHit[]; warnings: string[] }> = {};
    for (const mode of MODES) {
      try {
        const res = await searchChunks({ query, mode, limit: 5 });
        out[mode] = { code: 'ok', results: res.results, warnings: res.warnings };
      } catch (err) {
        out[mode] = { code: err instanceof TRPCError ? err.code : String(err), results: [], warnings: [] };
      }
    }
    return out;
  }

  it('punctuation, symbols and emoji alone: empty results and a warning in every mode', async () => {
    for (const query of ['!!! ??? ...', '\\', '%_', '🚀', '👩‍🚀 🎉', '<-> & | !', '-- ;', '“”‘’']) {
      for (const [mode, r] of Object.entries(await everyMode(query))) {
        expect([query, mode, r.code, r.results.length]).toEqual([query, mode, 'ok', 0]);
        expect(r.warnings.join(' ')).toMatch(/no letters or digits/);
      }
    }
  });

  it('empty, blank, over-long and NUL-carrying queries are BAD_REQUEST', async () => {
    for (const query of ['', '   ', '\n\t ', 'x'.repeat(2001), 'a\0b']) {
      expect([JSON.stringify(query.slice(0, 20)), await outcome(rt.caller.knowledge.search({ query }))]).toEqual([JSON.stringify(query.slice(0, 20)), 'BAD_REQUEST']);
      expect(await outcome(rt.caller.knowledge.searchCode({ query }))).toBe('BAD_REQUEST');
    }
  });

  it('a 2,000-character query works in every mode (also one with hundreds of distinct words)', async () => {
    const words = 'how do I install frob and configure its widgets options ';
    const long = `${words.repeat(Math.ceil(2000 / words.length)).slice(0, 1999)}s`;
    expect(long.trim().length).toBe(2000);
    for (const [mode, r] of Object.entries(await everyMode(long))) {
      expect([mode, r.code]).toEqual([mode, 'ok']);
      expect(r.results.length).toBeGreaterThan(0);
    }
    const distinct = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ').slice(0, 1990) + ' installing';
    for (const [mode, r] of Object.entries(await everyMode(distinct))) expect([mode, r.code]).toEqual([mode, 'ok']);
    // The limit applies to the trimmed query.
    expect(await outcome(rt.caller.knowledge.search({ query: `  ${'x'.repeat(2000)}  ` }))).toBe('ok');
  });

  it('SQL and tsquery metacharacters are just text', async () => {
    const before = (await rt.database.db.select({ n: count() }).from(chunks))[0]!.n;
    const queries = [
      "'; drop table chunks; --",
      'foo & | ! <-> (bar:*',
      "installing' OR '1'='1",
      "\\'; select pg_sleep(5); --",
      '"unbalanced quote',
      'widgets:* & !overlap | (install',
      "O'Reilly's frob\\nicator",
      'http://example.com/a:b*c!(d)',
      '$1 $$ :name ?',
    ];
    for (const query of queries) {
      for (const [mode, r] of Object.entries(await everyMode(query))) expect([query, mode, r.code]).toEqual([query, mode, 'ok']);
      expect(await outcome(rt.caller.knowledge.searchCode({ query }))).toBe('ok');
    }
    expect((await rt.database.db.select({ n: count() }).from(chunks))[0]!.n).toBe(before);
    const install = await searchChunks({ query: "installing' OR '1'='1", mode: 'fulltext' });
    expect(path(install.results[0]!.pageUrl)).toBe('/docs/b');
  });

  it('finds pages in German, Japanese, Russian and with emoji', async () => {
    const cases = [
      { query: 'Überprüfung der Größe', page: '/i18n/de', modes: MODES },
      { query: '設定ファイルを編集してください', page: '/i18n/ja', modes: MODES },
      // Not split into words by PostgreSQL's parser: found by its embedding only.
      { query: 'ウィジェットを自動的に配置', page: '/i18n/ja', modes: ['hybrid', 'vector'] as const },
      { query: 'Проверка конфигурации', page: '/i18n/ru', modes: MODES },
      { query: '🚀 launch checklist', page: '/i18n/emoji', modes: MODES },
    ];
    for (const c of cases) {
      const res = await everyMode(c.query);
      for (const mode of MODES) expect([c.query, mode, res[mode]!.code]).toEqual([c.query, mode, 'ok']);
      for (const mode of c.modes) expect([c.query, mode, path(res[mode]!.results[0]?.pageUrl ?? '')]).toEqual([c.query, mode, c.page]);
    }
    const de = (await searchChunks({ query: 'Überprüfung der Größe' })).results[0]!;
    expect(de.url).toBe(`${site.url}/i18n/de#pruefung`);
    expect(de.pageTitle).toContain('Größenprüfung');
  });

  it('other odd input: lone surrogates, control characters, right-to-left text, stop words only, one huge word', async () => {
    for (const query of ['\uD800abc', 'bell\u0007 \u001b[31mred', 'مرحبا بالعالم', 'the of and to', 'a'.repeat(2000), 'x\u200By\uFEFF']) {
      for (const [mode, r] of Object.entries(await everyMode(query))) expect([JSON.stringify(query.slice(0, 12)), mode, r.code]).toEqual([JSON.stringify(query.slice(0, 12)), mode, 'ok']);
    }
  });
});

describe('missing embeddings', () => {
  it('hybrid search still finds an unembedded source by full text; vector mode returns other sources only', async () => {
    const stored = await rt.database.db.select({ n: count() }).from(chunks).where(and(eq(chunks.sourceId, src.deeper), sql`${chunks.embedding} is null`));
    expect(stored[0]!.n).toBeGreaterThan(0);

    const hybrid = await searchChunks({ query: 'integers', limit: 5 });
    expect(path(hybrid.results[0]!.pageUrl)).toBe('/docs/c/deeper');
    expect(hybrid.results[0]!.score).toMatchObject({ vectorRank: null, vectorSimilarity: null, textRank: 1 });
    const defaults = defaultFusion(rt.search.embedder);
    expect(hybrid.results[0]!.score.fused).toBeCloseTo(defaults.textWeight / (defaults.k + 1), 12);
    expect(hybrid.warnings).toEqual([]);

    const vector = await searchChunks({ query: 'integers', mode: 'vector', limit: 50 });
    expect(vector.results.length).toBeGreaterThan(0);
    expect(vector.results.some((h) => h.sourceId === src.deeper)).toBe(false);
    expect((await searchChunks({ query: 'integers', mode: 'vector', sourceIds: [src.deeper] })).results).toEqual([]);
    expect((await searchChunks({ query: 'integers', sourceIds: [src.deeper] })).results.map((h) => h.sourceId)).toEqual([src.deeper]);
  });

  describe('when the embedding provider is down at query time', () => {
    let deps: SearchDeps;
    let calls = 0;
    beforeAll(() => {
      deps = {
        ...rt.search,
        embedder: {
          model: rt.search.embedder.model,
          dimensions: rt.search.embedder.dimensions,
          embed: async () => {
            calls++;
            throw new Error('provider down');
          },
        },
      };
    });

    it('hybrid returns full-text results with a warning', async () => {
      const before = calls;
      const res = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing' }));
      expect(calls).toBe(before + 1);
      expect(res.results.length).toBeGreaterThan(0);
      expect(path((res.results[0] as ChunkHit).pageUrl)).toBe('/docs/b');
      expect((res.results as ChunkHit[]).every((h) => h.score.vectorRank === null && h.score.textRank !== null)).toBe(true);
      expect(res.warnings).toHaveLength(1);
      expect(res.warnings[0]).toMatch(/vector search unavailable: provider down.*full-text/);
    });

    it('vector mode fails with SERVICE_UNAVAILABLE (an AppError, and so over tRPC)', async () => {
      const err = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing', mode: 'vector' })).catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/provider down/) });

      const caller = createCaller(createContextInner({ runtime: { ...rt, search: deps } }));
      expect(await outcome(caller.knowledge.search({ query: 'installing', mode: 'vector' }))).toBe('SERVICE_UNAVAILABLE');
      const hybrid = await caller.knowledge.search({ query: 'installing' });
      expect(hybrid.warnings.length).toBe(1);
      const code = await caller.knowledge.searchCode({ query: 'example of calling frobnicate in fast mode' });
      expect(code.results[0]?.language).toBe('typescript');
      expect(code.warnings.join(' ')).toMatch(/vector search unavailable/);
      expect(await outcome(caller.knowledge.searchCode({ query: 'frobnicate', mode: 'vector' }))).toBe('SERVICE_UNAVAILABLE');
    });

    it('full-text mode does not call the embedder at all', async () => {
      const before = calls;
      const res = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing', mode: 'fulltext' }));
      expect(calls).toBe(before);
      expect(res.warnings).toEqual([]);
      expect(res.results.length).toBeGreaterThan(0);
    });
  });
});

// Last: it adds sources, which would change the expectations above.
describe('freshly indexed content', () => {
  it('full text finds a word that first appears in a page indexed after a search', async () => {
    const sections = Array.from(
      { length: 50 },
      (_, i) =>
        `<h2 id="part-${i}">Part ${i}</h2><p>${`Part ${i} of the bulk reference describes lever number ${i} and the sound it makes when pulled. `.repeat(6)}</p>`,
    ).join('\n');
    site.setPage('/bulk/reference', fixturePage('Bulk reference', `<h1>Bulk reference</h1>${sections}`));
    await crawlToEnd({ url: `${site.url}/bulk/reference`, mode: 'single' });
    expect((await rt.database.db.select({ n: count() }).from(chunks))[0]!.n).toBeGreaterThanOrEqual(totalChunks + 50);
    // Someone searches the grown knowledge base…
    expect((await searchChunks({ query: 'lever sound', mode: 'fulltext' })).results.length).toBeGreaterThan(0);
    // …then a new page is indexed, and its distinctive word is searched for at once.
    site.setPage('/bulk/fresh', fixturePage('Fresh page', `<h1 id="fresh">Fresh page</h1><p>The quokkaberry jam recipe needs three jars and a patient cook.</p>`));
    const fresh = await crawlToEnd({ url: `${site.url}/bulk/fresh`, mode: 'single' });
    // The page is indexed: search dependencies created now find it by full text.
    const newDeps = createSearchDeps(rt.config, rt.crawl);
    const control = await searchKnowledge(newDeps, searchInputSchema.parse({ query: 'quokkaberry', mode: 'fulltext' }));
    expect((control.results as ChunkHit[]).map((h) => h.sourceId)).toEqual([fresh]);
    // The running process must find it too, without waiting for its term statistics to age.
    for (const mode of ['fulltext', 'hybrid'] as const) {
      const res = await searchChunks({ query: 'quokkaberry', mode, limit: 3 });
      expect([mode, res.results[0]?.sourceId, res.results[0]?.score.textRank]).toEqual([mode, fresh, 1]);
    }
  });
});
