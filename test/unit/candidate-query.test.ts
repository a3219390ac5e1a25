import { describe, expect, it } from 'vitest';
import { candidateTsQueries } from '../../server/services/search/candidate-query';
import { fuse } from '../../server/services/search/fused-query';

const N = 10_000;
const dfOf = (table: Record<string, number>) => (lexeme: string) => table[lexeme] ?? 0;

describe('candidateTsQueries', () => {
  it('lets rare terms select on their own, rarest first', () => {
    expect(candidateTsQueries(['vacuum', 'freez'], dfOf({ vacuum: 120, freez: 30 }), N, 400)).toEqual([["'freez'", "'vacuum'"]]);
  });

  it('makes common terms select only together once they would exceed the budget, with looser fallbacks', () => {
    const df = dfOf({ arrai: 600, column: 2500, contain: 900 });
    const pairs = ["'arrai' & 'contain'", "'arrai' & 'column'", "'contain' & 'column'"];
    const any = ["'arrai'", "'contain'", "'column'"];
    // Pairs: 600·2500/N + 600·900/N + 2500·900/N = 150 + 54 + 225 = 429 > 400, so triples.
    expect(candidateTsQueries(['arrai', 'column', 'contain'], df, N, 400)).toEqual([["'arrai' & 'contain' & 'column'"], pairs, any]);
    expect(candidateTsQueries(['arrai', 'column', 'contain'], df, N, 500)).toEqual([pairs, any]);
    expect(candidateTsQueries(['arrai', 'column', 'contain'], df, N, 5000)).toEqual([any]);
  });

  it('keeps a rare term alone next to combined common ones', () => {
    const df = dfOf({ pgpass: 4, password: 800, file: 3000 });
    expect(candidateTsQueries(['password', 'file', 'pgpass'], df, N, 400)).toEqual([
      ["'pgpass'", "'password' & 'file'"],
      ["'pgpass'", "'password'", "'file'"],
    ]);
  });

  it('still selects something for a single common word, and terms unseen by the statistics count as rare', () => {
    expect(candidateTsQueries(['tabl'], dfOf({ tabl: 5000 }), N, 400)).toEqual([["'tabl'"]]);
    expect(candidateTsQueries(['brandnew', 'tabl'], dfOf({ tabl: 5000 }), N, 400)).toEqual([["'brandnew'", "'tabl'"]]);
  });

  it('quotes lexemes so they stay literal in tsquery syntax', () => {
    expect(candidateTsQueries(["o'brien"], dfOf({}), N)).toEqual([["'o''brien'"]]);
  });
});

describe('fuse', () => {
  it('adds reciprocal ranks from both lists and orders ties by id', () => {
    const rows = fuse(
      [
        { id: 1, r: 1, value: 0.1 },
        { id: 2, r: 2, value: 0.2 },
      ],
      [
        { id: 2, r: 1, value: 9 },
        { id: 3, r: 2, value: 5 },
      ],
      { k: 10, vectorWeight: 1, textWeight: 1 },
      10,
    );
    expect(rows.map((r) => r.id)).toEqual([2, 1, 3]);
    expect(rows[0]).toMatchObject({ vector_rank: 2, text_rank: 1, vector_distance: 0.2, text_score: 9 });
    expect(rows[0]!.score).toBeCloseTo(1 / 12 + 1 / 11, 12);
    expect(rows[2]).toMatchObject({ vector_rank: null, text_rank: 2 });
    expect(fuse([{ id: 5, r: 1, value: 0 }], [{ id: 4, r: 1, value: 0 }], { k: 1, vectorWeight: 1, textWeight: 1 }, 1).map((r) => r.id)).toEqual([4]);
  });
});
