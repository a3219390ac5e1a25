// Full-text BM25 as Postgres computes it, checked against the formula over the stored tsvectors.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, pages, sources } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { DatabaseHandle } from '../../db/types';
import { textCandidates } from '../../server/services/search/fused-query';
import { queryLexemes } from '../../server/services/search/query-lexemes';
import { BM25, bm25Query, createTermStats, type TermStats } from '../../server/services/search/term-stats';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
const db = () => handle.db;

// Each chunk: a title, a heading path, a context line and a body.
const CHUNKS: [string, string[], string | null, string][] = [
  ['Quokka care', ['Feeding'], null, 'Feed the quokka twice a day.'],
  ['Feeding', ['Quokka habits'], null, 'Animals eat leaves.'],
  ['Feeding', ['Habits'], 'About the quokka and its diet.', 'Leaves again.'],
  ['Feeding', ['Habits'], null, 'quokka '.repeat(2) + 'leaves'],
  ['Feeding', ['Habits'], null, 'quokka '.repeat(3) + 'and some other words to make the chunk longer than most'],
  ['Feeding', ['Habits'], null, 'quokka '.repeat(17)],
  ['Feeding', ['Habits'], null, 'quokka '.repeat(255) + 'leaves'],
  // More occurrences than Postgres keeps positions for (255 from to_tsvector).
  ['Feeding', ['Habits'], null, 'quokka '.repeat(400)],
  ['Quokka', ['Quokka'], 'quokka', 'quokka quokka leaves'],
  ['Wombat burrows', ['Digging'], null, 'A wombat digs with long-run tunnels; the long-run plan is a burrow.'],
  ['Misc', ['Other'], null, 'Nothing about the animal here, only leaves and a burrow.'],
  ['Indexes', ['Multicolumn indexes'], null, 'An index can cover several fields of a table.'],
];

beforeAll(async () => {
  handle = await createTestDatabase();
  await db().insert(sources).values({ id: 'bm25', kind: 'url', title: 'BM25 fixture' });
  const [page] = await db()
    .insert(pages)
    .values({ sourceId: 'bm25', url: 'https://example.test/p', content: '', contentHash: 'h', charCount: 0, wordCount: 0 })
    .returning({ id: pages.id });
  await db()
    .insert(chunks)
    .values(
      CHUNKS.map(([title, headingPath, context, content], i) => ({
        sourceId: 'bm25',
        pageId: page!.id,
        chunkIndex: i,
        title,
        headingPath,
        context,
        content,
        charCount: content.length,
        contentHash: `c${i}`,
      })),
    );
}, 60_000);
afterAll(async () => {
  await handle?.close();
});

/** BM25 written out over `unnest(search)`: tf = occurrences, the field weight by the word's strongest field. */
async function expectedScores(stats: TermStats, terms: string[], idf: number[]): Promise<Map<number, number>> {
  const rows = await queryRows<{ id: string | number; len: number; lexeme: string; positions: number[] | string; weights: string[] | string }>(
    db(),
    sql`select c.id, length(c.search) as len, u.lexeme, u.positions, u.weights from chunks c, unnest(c.search) u where c.source_id = 'bm25'`,
  );
  const scores = new Map<number, number>();
  for (const r of rows) {
    const t = terms.indexOf(r.lexeme);
    if (t < 0) continue;
    const positions = Array.isArray(r.positions) ? r.positions : r.positions.replace(/[{}]/g, '').split(',');
    const weights = Array.isArray(r.weights) ? r.weights : r.weights.replace(/[{}]/g, '').split(',');
    const tf = positions.length;
    const wt = weights.includes('A') ? BM25.titleWeight : weights.includes('B') || weights.includes('C') ? BM25.headingWeight : BM25.bodyWeight;
    const norm = BM25.k1 * (1 - BM25.b + (BM25.b * Number(r.len)) / stats.avgLength);
    const id = Number(r.id);
    scores.set(id, (scores.get(id) ?? 0) + ((idf[t]! * tf * (BM25.k1 + 1)) / (tf + norm)) * wt);
  }
  return scores;
}

describe('BM25 scores', () => {
  it.each([['quokka'], ['quokka leaves'], ['long-run burrow'], ['wombat quokka leaves burrow']])(
    '"%s" scores every candidate as the formula over its tsvector does, and ranks by it',
    async (query) => {
      const stats = await createTermStats(db()).get();
      const bm25 = bm25Query(await queryLexemes(db(), query), stats, 1_000);
      expect(bm25).not.toBeNull();
      const list = await textCandidates(db(), {
        table: 'chunks',
        text: query,
        vector: null,
        model: '',
        useVector: false,
        useText: true,
        candidates: 40,
        limit: 40,
        fusion: { k: 60, vectorWeight: 1, textWeight: 1 },
        filters: {},
        bm25,
      });
      const expected = await expectedScores(stats, bm25!.terms, bm25!.idf);
      expect(list.length).toBe(expected.size);
      for (const row of list) expect([row.id, row.value]).toEqual([row.id, expect.closeTo(expected.get(row.id)!, 9)]);
      const order = [...expected].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
      expect(list.map((r) => r.id)).toEqual(order);
      for (const [i, r] of list.entries()) expect(r.r).toBe(i + 1);
    },
  );

  it('finds a word that a page writes joined ("multicolumn") from its hyphenated form in the query', async () => {
    const lexemes = await queryLexemes(db(), 'does column order matter in a multi-column index');
    expect(lexemes).toEqual(expect.arrayContaining(['multi-column', 'multi', 'column', 'multicolumn']));
    const stats = await createTermStats(db()).get();
    const list = await textCandidates(db(), {
      table: 'chunks',
      text: 'multi-column',
      vector: null,
      model: '',
      useVector: false,
      useText: true,
      candidates: 40,
      limit: 40,
      fusion: { k: 60, vectorWeight: 1, textWeight: 1 },
      filters: {},
      bm25: bm25Query(await queryLexemes(db(), 'multi-column'), stats, 1_000),
    });
    const [indexes] = await queryRows<{ id: string | number }>(db(), sql`select id from chunks where title = 'Indexes'`);
    expect(list.map((r) => r.id)).toEqual([Number(indexes!.id)]);
  });

  it('counts every occurrence a lexeme holds, up to the 255 positions to_tsvector keeps', async () => {
    const stats = await createTermStats(db()).get();
    const bm25 = bm25Query(['quokka'], stats, 1_000)!;
    const list = await textCandidates(db(), {
      table: 'chunks',
      text: 'quokka',
      vector: null,
      model: '',
      useVector: false,
      useText: true,
      candidates: 40,
      limit: 40,
      fusion: { k: 60, vectorWeight: 1, textWeight: 1 },
      filters: {},
      bm25,
    });
    const [tfs] = await queryRows<{ counts: number[] }>(
      db(),
      sql`select array_agg(cardinality(u.positions) order by cardinality(u.positions)) as counts from chunks c, unnest(c.search) u where u.lexeme = 'quokka'`,
    );
    // 1, 2, 3, 17 and 255 occurrences (400 are stored as 255), and those in several fields.
    expect(tfs!.counts).toEqual(expect.arrayContaining([1, 2, 3, 17, 255, 255]));
    expect(list.length).toBe(tfs!.counts.length);
  });
});
