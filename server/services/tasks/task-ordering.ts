/** Distance between neighbouring tasks after a renumbering; moves split gaps until one closes. */
export const POSITION_GAP = 1024;

export type Placed = { id: string; position: number };

/**
 * Position for an item inserted at `index` of an ordered column (which excludes
 * the item itself). Returns null when there is no integer between the
 * neighbours and the column must be renumbered.
 */
export function positionBetween(column: Placed[], index: number): number | null {
  const prev = column[index - 1]?.position;
  const next = column[index]?.position;
  if (prev === undefined && next === undefined) return 0;
  if (prev === undefined) return next! - POSITION_GAP;
  if (next === undefined) return prev + POSITION_GAP;
  if (next - prev < 2) return null;
  return prev + Math.floor((next - prev) / 2);
}

/** Evenly spaced positions for the column with `id` inserted at `index`. */
export function renumber(column: Placed[], index: number, id: string): Placed[] {
  const ids = column.map((t) => t.id);
  ids.splice(index, 0, id);
  return ids.map((taskId, i) => ({ id: taskId, position: (i + 1) * POSITION_GAP }));
}
