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

const EXCERPT_CHARS = 400;

/** The start of a chunk, never ending on half of a character that takes two UTF-16 units (an emoji, say). */
function excerptOf(content: string): string {
  const end = /[\uD800-\uDBFF]/.test(content[EXCERPT_CHARS - 1] ?? '') ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
  return content.slice(0, end);
}

/**
 * Groups chunk hits by page, as Archon v1's MCP default does: a page scores
 * its best chunk, nudged up (at most 20 %) for every further matching chunk.
 */
export function groupByPage(hits: ChunkHit[], limit: number): PageHit[] {
  const pages = new Map<string, PageHit>();
  for (const hit of hits) {
    const page = pages.get(hit.pageId);
    if (page) {
      page.chunkMatches += 1;
      continue;
    }
    pages.set(hit.pageId, {
      pageId: hit.pageId,
      url: hit.pageUrl,
      title: hit.pageTitle,
      sourceId: hit.sourceId,
      sourceTitle: hit.sourceTitle,
      score: hit.score.rerank ?? hit.score.fused,
      chunkMatches: 1,
      best: { chunkId: hit.chunkId, url: hit.url, headingPath: hit.headingPath, excerpt: excerptOf(hit.content), score: hit.score },
    });
  }
  return [...pages.values()]
    .map((p) => ({ ...p, score: p.score * (1 + Math.min(0.2, 0.05 * (p.chunkMatches - 1))) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
