// The search suites' shared corpus: extra fixture pages, five crawled sources, and helpers.
import { TRPCError } from '@trpc/server';
import { asc, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { chunks, pages } from '../../db/schema';
import type { Fusion } from '../../server/schemas/search';
import { type DocsSite, fixturePage, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from './runtime';
import { waitFor } from './wait';

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
export const MARKERS = ['aardwolf', 'bandicoot', 'caracal', 'dugong', 'echidna', 'fossa', 'gharial', 'hoatzin'];
export const STAGE_NAMES = ['Unpacking', 'Levelling', 'Sorting', 'Balancing', 'Polishing', 'Stacking', 'Labelling', 'Shipping'];
export const ZEPHYRS: Record<number, number> = { 1: 3, 5: 2, 3: 1 };
export const LOG_ENTRIES = 60;
export const HELIOTROPE_ENTRY = 30;

export function stageHtml(n: number): string {
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

export const logEntry = (k: number) =>
  `Log entry ${k}: the spindle read ${100 + k * 7} units at hour ${k}${k === HELIOTROPE_ENTRY ? ' while the heliotrope lamp flickered' : ''} and folio ${k} was filed.`;

export const MANUAL_PAGE = fixturePage(
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

export const EMOJI_LINE = (k: number) => `Step ${k} 🚀 check the rocket 🎉 and the 👩‍🚀 crew.`;
export const I18N_PAGES: Record<string, string> = {
  '/i18n/': fixturePage(
    'International',
    `<h1>International pages</h1><p>Translations.</p><ul><li><a href="/i18n/de">Deutsch</a></li><li><a href="/i18n/ja">日本語</a></li><li><a href="/i18n/ru">Русский</a></li><li><a href="/i18n/emoji">Emoji</a></li></ul>`,
  ),
  '/i18n/de': fixturePage(
    'Größenprüfung',
    `<h1 id="pruefung">Überprüfung der Größe</h1><p>Die Überprüfung der Größe erfolgt täglich in München. Schöne Grüße an alle Prüfer, die Maße übernehmen.</p>`,
  ),
  '/i18n/ja': fixturePage(
    'ウィジェットの配置',
    `<h1 id="haichi">ウィジェットの配置</h1><p>フロブニケーターはウィジェットを自動的に配置します。設定ファイルを編集してください。</p>`,
  ),
  '/i18n/ru': fixturePage(
    'Настройка виджетов',
    `<h1 id="nastroika">Настройка виджетов</h1><p>Фробникатор упорядочивает виджеты по весу. Проверка конфигурации выполняется при запуске.</p>`,
  ),
  '/i18n/emoji': fixturePage(
    'Launch checklist',
    `<h1 id="launch">Launch checklist 🚀</h1><p>${Array.from({ length: 12 }, (_, k) => EMOJI_LINE(k + 1)).join(' ')}</p>`,
  ),
};

// ---------------------------------------------------------------------------
// Setup: five sources on one fixture site.
// ---------------------------------------------------------------------------

/**
 * The corpus every search test file shares, filled by `useSearchCorpus`.
 * src — docs: /docs/ crawled recursively; deep and deeper: single pages;
 * manual: the long page; i18n: other languages.
 */
export const corpus = {
  rt: undefined as unknown as TestRuntime,
  site: undefined as unknown as DocsSite,
  src: { docs: '', deep: '', deeper: '', manual: '', i18n: '' },
  totalChunks: 0,
};

export type CrawlInput = Parameters<TestRuntime['caller']['knowledge']['crawl']>[0];
export type SearchArgs = Parameters<TestRuntime['caller']['knowledge']['search']>[0];

export async function crawlToEnd(input: CrawlInput) {
  const job = await corpus.rt.caller.knowledge.crawl(input);
  const done = await waitFor(
    async () => {
      const j = await corpus.rt.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `crawl of ${input.url}`,
  );
  expect(done, `crawl of ${input.url}: ${done.error}`).toMatchObject({ status: 'completed', pagesFailed: 0, embeddingsFailed: 0 });
  return done.sourceId!;
}

/** Crawls the corpus before the file's tests and tears it down after them. */
export function useSearchCorpus() {
  beforeAll(async () => {
    corpus.site = await startDocsSite();
    corpus.site.setPage('/manual/ops', MANUAL_PAGE);
    for (const [path, html] of Object.entries(I18N_PAGES)) corpus.site.setPage(path, html);
    corpus.rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: corpus.site.host, EMBEDDING_DIMENSIONS: '256' } });
    [corpus.src.docs, corpus.src.deep, corpus.src.deeper, corpus.src.manual, corpus.src.i18n] = await Promise.all([
      crawlToEnd({
        url: `${corpus.site.url}/docs/`,
        mode: 'recursive',
        maxDepth: 2,
        title: 'Fixture guides',
        tags: ['frob', 'guides'],
        knowledgeType: 'technical',
      }),
      crawlToEnd({ url: `${corpus.site.url}/docs/c/deep`, mode: 'single', tags: ['internals'], knowledgeType: 'business' }),
      crawlToEnd({ url: `${corpus.site.url}/docs/c/deeper`, mode: 'single', tags: ['noembed'] }),
      crawlToEnd({ url: `${corpus.site.url}/manual/ops`, mode: 'single', tags: ['frob', 'manual'] }),
      crawlToEnd({ url: `${corpus.site.url}/i18n/`, mode: 'recursive', tags: ['i18n'] }),
    ]);
    // A source whose embeddings are missing (never embedded, or the provider was down at ingest).
    await corpus.rt.database.db.execute(
      sql`update chunks set embedding = null, embedding_model = null, embedding_dim = null where source_id = ${corpus.src.deeper}`,
    );
    corpus.totalChunks = (await corpus.rt.database.db.select({ n: count() }).from(chunks))[0]!.n;
  }, 120_000);

  afterAll(async () => {
    await corpus.rt?.close();
    await corpus.site?.close();
  });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

export const path = (url: string) => url.replace(corpus.site.url, '');

export async function searchChunks(input: SearchArgs & { returnMode?: 'chunks' }) {
  const res = await corpus.rt.caller.knowledge.search(input);
  expect(res.returnMode).toBe('chunks');
  return res as Extract<typeof res, { returnMode: 'chunks' }>;
}

export async function searchPages(input: SearchArgs) {
  const res = await corpus.rt.caller.knowledge.search({ ...input, returnMode: 'pages' });
  expect(res.returnMode).toBe('pages');
  return res as Extract<typeof res, { returnMode: 'pages' }>;
}

/** The tRPC error code a call fails with, or 'ok'. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof TRPCError ? err.code : `not a TRPCError: ${String(err)}`;
  }
}

export const rrf = (k: number, w: number, rank: number | null) => (rank === null ? 0 : w / (k + rank));
/** Textbook RRF, given explicitly where a test checks the arithmetic (the defaults depend on the embedder). */
export const RRF60: Fusion = { k: 60, vectorWeight: 1, textWeight: 1 };

/**
 * A hit's URL is its page URL with the id of the deepest heading of its
 * section path that has one on the page (from the page's stored anchors).
 */
export async function expectAnchored(hit: { url: string; pageUrl: string; headingPath: string[] }) {
  const [page] = await corpus.rt.database.db.select({ metadata: pages.metadata }).from(pages).where(eq(pages.url, hit.pageUrl));
  const anchors = ((page!.metadata as { anchors?: { id: string; text: string }[] }).anchors ?? []).filter((a) => a.id);
  const plain = (s: string) =>
    s
      .replace(/[`*_[\]()#]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
  const anchor = [...hit.headingPath]
    .reverse()
    .map((h) => anchors.find((a) => plain(a.text) === plain(h)))
    .find(Boolean);
  expect(hit.url).toBe(anchor ? `${hit.pageUrl}#${encodeURIComponent(anchor.id)}` : hit.pageUrl);
}

export async function manualChunks() {
  return corpus.rt.database.db
    .select({ id: chunks.id, index: chunks.chunkIndex, content: chunks.content })
    .from(chunks)
    .where(eq(chunks.sourceId, corpus.src.manual))
    .orderBy(asc(chunks.chunkIndex));
}

export const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

// ---------------------------------------------------------------------------
