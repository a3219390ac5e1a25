import type { FusedRow } from './fused-query';
import type { ChunkHit, ScoreParts } from './hits';

export type PageHit = {
  pageId: string;
  url: string;
  title: string;
  sourceId: string;
  sourceTitle: string;
  score: number;
  chunkMatches: number;
  /** The page's best chunk, with how it scored. */
  best: { chunkId: number; url: string; headingPath: string[]; excerpt: string; score: ScoreParts };
};

export const EXCERPT_CHARS = 400;

/** The start of a chunk, never ending on half of a character that takes two UTF-16 units (an emoji, say). */
function excerptOf(content: string): string {
  const end = /[\uD800-\uDBFF]/.test(content[EXCERPT_CHARS - 1] ?? '') ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
  return content.slice(0, end);
}

const nudged = (score: number, chunkMatches: number) => score * (1 + Math.min(0.2, 0.05 * (chunkMatches - 1)));

const pageHit = (hit: ChunkHit, score: number, chunkMatches: number): PageHit => ({
  pageId: hit.pageId,
  url: hit.pageUrl,
  title: hit.pageTitle,
  sourceId: hit.sourceId,
  sourceTitle: hit.sourceTitle,
  score,
  chunkMatches,
  best: { chunkId: hit.chunkId, url: hit.url, headingPath: hit.headingPath, excerpt: excerptOf(hit.content), score: hit.score },
});

/**
 * Groups chunk hits by page, as Archon v1's MCP default does: a page scores
 * its best chunk, nudged up (at most 20 %) for every further matching chunk.
 */
export function groupByPage(hits: ChunkHit[], limit: number): PageHit[] {
  const pages = new Map<string, { hit: ChunkHit; chunkMatches: number }>();
  for (const hit of hits) {
    const page = pages.get(hit.pageId);
    if (page) page.chunkMatches += 1;
    else pages.set(hit.pageId, { hit, chunkMatches: 1 });
  }
  return [...pages.values()]
    .map(({ hit, chunkMatches }) => pageHit(hit, nudged(hit.score.rerank ?? hit.score.fused, chunkMatches), chunkMatches))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

export type RankedPage = { row: FusedRow; score: number; chunkMatches: number };

/**
 * The same grouping on fused rows, before any is loaded, so that only each
 * page's best chunk is read. Every fused row is grouped, but further matching
 * chunks count only among the best `pool` rows: a page whose best chunk lies
 * deeper scores below every page of the pool anyway, so the head of the list
 * is what grouping the pool alone gives, whatever `limit` asks for.
 */
export function rankPages(rows: FusedRow[], pool: number): RankedPage[] {
  const pages = new Map<string, RankedPage>();
  rows.forEach((row, i) => {
    const key = row.page_id ?? `chunk:${row.id}`;
    const page = pages.get(key);
    if (!page) pages.set(key, { row, score: row.score, chunkMatches: 1 });
    else if (i < pool) page.chunkMatches += 1;
  });
  // A page whose best chunk documents the identifier a query names stays ahead of those that merely mention it.
  return [...pages.values()]
    .map((p) => ({ ...p, score: nudged(p.row.score, p.chunkMatches) }))
    .sort((a, b) => (b.row.exact ?? 0) - (a.row.exact ?? 0) || b.score - a.score);
}

/** Page hits for ranked pages, from their best chunks' loaded hits. */
export const pageHits = (pages: RankedPage[], hits: ChunkHit[]): PageHit[] => {
  const byId = new Map(hits.map((h) => [h.chunkId, h]));
  return pages.flatMap((p) => {
    const hit = byId.get(p.row.id);
    return hit ? [pageHit(hit, p.score, p.chunkMatches)] : [];
  });
};
