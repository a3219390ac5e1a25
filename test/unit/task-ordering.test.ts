import { describe, expect, it } from 'vitest';
import { type Placed, POSITION_GAP, positionBetween, renumber } from '../../server/services/tasks/task-ordering';

const col = (...positions: number[]): Placed[] => positions.map((position, i) => ({ id: `t${i}`, position }));

describe('positionBetween', () => {
  it('starts an empty column at 0', () => {
    expect(positionBetween([], 0)).toBe(0);
  });

  it('places one gap before the first and after the last task', () => {
    const column = col(100, 5000);
    expect(positionBetween(column, 0)).toBe(100 - POSITION_GAP);
    expect(positionBetween(column, 2)).toBe(5000 + POSITION_GAP);
  });

  it('splits the gap between two neighbours in the middle', () => {
    expect(positionBetween(col(0, 1024), 1)).toBe(512);
    expect(positionBetween(col(10, 13), 1)).toBe(11);
    expect(positionBetween(col(-7, -4), 1)).toBe(-6);
  });

  it('returns a position strictly between neighbours whenever one exists', () => {
    for (const [prev, next] of [
      [0, 2],
      [5, 8],
      [-3, -1],
      [1_000_000, 1_000_003],
    ] as const) {
      const p = positionBetween(col(prev, next), 1)!;
      expect(p).toBeGreaterThan(prev);
      expect(p).toBeLessThan(next);
      expect(Number.isInteger(p)).toBe(true);
    }
  });

  it('returns null when the neighbours leave no integer between them', () => {
    expect(positionBetween(col(4, 5), 1)).toBeNull();
    expect(positionBetween(col(7, 7), 1)).toBeNull();
  });

  it('keeps halving until the gap closes after about log2(POSITION_GAP) inserts', () => {
    let column = col(0, POSITION_GAP);
    let inserts = 0;
    for (;;) {
      const p = positionBetween(column, 1);
      if (p === null) break;
      column = [column[0]!, { id: `n${inserts}`, position: p }, ...column.slice(1)];
      inserts++;
    }
    expect(inserts).toBe(Math.log2(POSITION_GAP));
  });
});

describe('renumber', () => {
  it('inserts the id at the index and spaces every task one gap apart', () => {
    const out = renumber(col(5, 6, 7), 1, 'new');
    expect(out).toEqual([
      { id: 't0', position: POSITION_GAP },
      { id: 'new', position: 2 * POSITION_GAP },
      { id: 't1', position: 3 * POSITION_GAP },
      { id: 't2', position: 4 * POSITION_GAP },
    ]);
  });

  it('handles insertion at the start, at the end and into an empty column', () => {
    expect(renumber(col(1, 2), 0, 'x').map((p) => p.id)).toEqual(['x', 't0', 't1']);
    expect(renumber(col(1, 2), 2, 'x').map((p) => p.id)).toEqual(['t0', 't1', 'x']);
    expect(renumber([], 0, 'x')).toEqual([{ id: 'x', position: POSITION_GAP }]);
  });

  it('leaves room to split again after renumbering', () => {
    const out = renumber(col(0, 1, 2), 2, 'x');
    for (let i = 1; i < out.length; i++) {
      const p = positionBetween(out, i)!;
      expect(p).toBeGreaterThan(out[i - 1]!.position);
      expect(p).toBeLessThan(out[i]!.position);
    }
  });

  it('does not mutate the column it is given', () => {
    const column = col(1, 2);
    const copy = structuredClone(column);
    renumber(column, 1, 'x');
    expect(column).toEqual(copy);
  });
});
