// The head of the results does not depend on `limit`: on a corpus of a few hundred chunks, larger than any
// candidate list, the top k of a search with limit n is the top k of the search with limit 50, for every n ≥ k,
// in every mode, for chunks, pages and code examples.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsSite, fixturePage, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

const PAGES = 30;
const SECTIONS = 8;
// Each vector search takes up to ~0.7 s on the PostgreSQL server with this small HNSW index (as before these pools), so the
// limits are a sample.
const LIMITS = [1, 2, 5, 10, 20, 35, 50];
const MODES = ['hybrid', 'vector', 'fulltext'] as const;

/** A small deterministic generator (mulberry32), so the corpus and the queries are the same on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(20261205);
const SYLLABLES = ['ka', 'lo', 'mi', 'ten', 'rus', 'vel', 'dor', 'pa', 'qui', 'san', 'tor', 'ble', 'fen', 'gar', 'hox', 'jun'];
const word = () => Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join('');
const VOCABULARY = [...new Set(Array.from({ length: 400 }, word))].slice(0, 220);
// Zipf-like: a few words are in most chunks (they exercise the full-text side's looser selections), most are rare.
const pick = () => VOCABULARY[Math.floor(VOCABULARY.length * rnd() ** 2.2)]!;
const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');

function pageHtml(p: number): string {
  const sections = Array.from({ length: SECTIONS }, (_, s) => {
    const id = `p${p}s${s}`;
    const paragraphs = Array.from({ length: 4 }, () => `<p>${sentence(24)}.</p>`).join('\n');
    const code = `<pre><code class="language-c">${pick()}_${pick()}(${pick()}, ${p * SECTIONS + s}); /* ${sentence(6)} */</code></pre>`;
    return `<h2 id="${id}">${sentence(3)}</h2>\n${paragraphs}\n${code}`;
  }).join('\n');
  return fixturePage(`Page ${p} ${sentence(2)}`, `<h1>${sentence(3)}</h1>\n${sections}`);
}

const QUERIES = [
  ...Array.from({ length: 4 }, () => sentence(2)),
  ...Array.from({ length: 4 }, () => sentence(4)),
  // The commonest words together: many candidates on both sides.
  `${VOCABULARY[0]} ${VOCABULARY[1]} ${VOCABULARY[2]}`,
  `${VOCABULARY[0]} ${VOCABULARY[3]}`,
];

let site: DocsSite;
let rt: TestRuntime;

beforeAll(async () => {
  site = await startDocsSite();
  for (let p = 0; p < PAGES; p++) site.setPage(`/stable/${p}`, pageHtml(p));
  site.setPage(
    '/stable/',
    fixturePage(
      'Index',
      `<h1>Index</h1><ul>${Array.from({ length: PAGES }, (_, p) => `<li><a href="/stable/${p}">Page ${p}</a></li>`).join('')}</ul>`,
    ),
  );
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
  const job = await rt.caller.knowledge.crawl({ url: `${site.url}/stable/`, mode: 'recursive', maxDepth: 2 });
  const done = await jobSettled(rt, job.id, 120_000);
  expect(done).toMatchObject({ status: 'completed', pagesFailed: 0 });
}, 180_000);

afterAll(async () => {
  await rt?.close();
  await site?.close();
});

/** Each result's identity and score, so a reordering or a changed score shows. */
type Key = string;

async function expectStableHeads(label: string, search: (limit: number) => Promise<Key[]>) {
  const full = await search(50);
  for (const limit of LIMITS.slice(0, -1)) {
    const head = await search(limit);
    expect([label, limit, head]).toEqual([label, limit, full.slice(0, limit)]);
  }
  return full.length;
}

describe('the top k results do not depend on limit', () => {
  it('the corpus is larger than every candidate list, so limits could change the pools', async () => {
    const stats = await rt.caller.knowledge.search({ query: QUERIES.at(-2)!, mode: 'fulltext', limit: 50 });
    expect(stats.results.length).toBe(50);
    const { count } = await import('drizzle-orm');
    const { chunks } = await import('../../db/schema');
    const [row] = await rt.database.db.select({ n: count() }).from(chunks);
    expect(row!.n).toBeGreaterThan(200);
  });

  it.each(MODES)(
    'knowledge search, chunks, %s mode',
    async (mode) => {
      let total = 0;
      for (const query of QUERIES) {
        total += await expectStableHeads(`${mode} chunks: ${query}`, async (limit) => {
          const res = await rt.caller.knowledge.search({ query, mode, limit, returnMode: 'chunks' });
          return res.results.map((h) => ('chunkId' in h ? `${h.chunkId} ${h.score.fused}` : 'not a chunk'));
        });
      }
      expect(total).toBeGreaterThan(QUERIES.length * 20);
    },
    300_000,
  );

  it.each(MODES)(
    'knowledge search, pages, %s mode',
    async (mode) => {
      let total = 0;
      for (const query of QUERIES) {
        total += await expectStableHeads(`${mode} pages: ${query}`, async (limit) => {
          const res = await rt.caller.knowledge.search({ query, mode, limit, returnMode: 'pages' });
          return res.results.map((h) => ('best' in h ? `${h.pageId} ${h.best.chunkId} ${h.chunkMatches} ${h.score}` : 'not a page'));
        });
      }
      expect(total).toBeGreaterThan(QUERIES.length * 10);
    },
    300_000,
  );

  it.each(MODES)(
    'code search, %s mode',
    async (mode) => {
      let total = 0;
      for (const query of QUERIES) {
        total += await expectStableHeads(`${mode} code: ${query}`, async (limit) => {
          const res = await rt.caller.knowledge.searchCode({ query, mode, limit });
          return res.results.map((h) => `${h.id} ${h.score.fused}`);
        });
      }
      expect(total).toBeGreaterThan(QUERIES.length * 10);
    },
    300_000,
  );
});
