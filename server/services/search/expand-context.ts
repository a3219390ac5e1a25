import { and, asc, eq, gte, lte, or } from 'drizzle-orm';
import { chunks } from '../../../db/schema';
import type { Database } from '../../../db/types';
import type { ChunkHit } from './hits';

/** Drops the start of `next` that repeats the end of `text` (the chunker's overlap). */
export function joinWithoutOverlap(text: string, next: string, maxOverlap = 400): string {
  for (let n = Math.min(maxOverlap, text.length, next.length); n >= 20; n--) {
    if (text.endsWith(next.slice(0, n))) return text + next.slice(n);
  }
  return `${text}\n\n${next}`;
}

/**
 * Replaces each hit's content with a passage of `radius` neighbouring chunks
 * on either side, in document order. On each page, windows that touch are
 * merged into one passage carried by the best-ranked hit among them, so no
 * text appears twice; results keep the order of those hits.
 */
export async function expandContext(db: Database, hits: ChunkHit[], radius: number): Promise<ChunkHit[]> {
  if (radius === 0 || hits.length === 0) return hits;
  const windows = hits.map((h, rank) => ({ hit: h, rank, from: Math.max(0, h.chunkIndex - radius), to: h.chunkIndex + radius }));
  const merged: { hit: ChunkHit; rank: number; from: number; to: number }[] = [];
  const byPage = new Map<string, typeof windows>();
  for (const w of windows) (byPage.get(w.hit.pageId) ?? byPage.set(w.hit.pageId, []).get(w.hit.pageId)!).push(w);
  for (const list of byPage.values()) {
    list.sort((a, b) => a.from - b.from);
    let current = { ...list[0]! };
    for (const w of list.slice(1)) {
      if (w.from <= current.to + 1) {
        current.to = Math.max(current.to, w.to);
        if (w.rank < current.rank) Object.assign(current, { hit: w.hit, rank: w.rank });
      } else {
        merged.push(current);
        current = { ...w };
      }
    }
    merged.push(current);
  }
  merged.sort((a, b) => a.rank - b.rank);
  const neighbours = await db
    .select({ pageId: chunks.pageId, chunkIndex: chunks.chunkIndex, content: chunks.content })
    .from(chunks)
    .where(or(...merged.map((w) => and(eq(chunks.pageId, w.hit.pageId), gte(chunks.chunkIndex, w.from), lte(chunks.chunkIndex, w.to)))))
    .orderBy(asc(chunks.pageId), asc(chunks.chunkIndex));
  return merged.map(({ hit, from, to }) => ({
    ...hit,
    content: neighbours
      .filter((n) => n.pageId === hit.pageId && n.chunkIndex >= from && n.chunkIndex <= to)
      .reduce((text, n) => (text ? joinWithoutOverlap(text, n.content) : n.content), ''),
  }));
}
