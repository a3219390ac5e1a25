import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';
import type { FusedRow } from './fused-query';

export type ScoreParts = {
  fused: number;
  vectorRank: number | null;
  textRank: number | null;
  vectorSimilarity: number | null;
  textScore: number | null;
  rerank?: number;
  /** For a query that is one identifier: 2 if the chunk documents it, 1 if it mentions it, else 0; results are ordered by it first. */
  exact?: number;
  /** With query rewriting: the rank in the rewritten query's full-text list (null if not in it). */
  rewriteRank?: number | null;
};

export type ChunkHit = {
  chunkId: number;
  chunkIndex: number;
  content: string;
  /** The page URL, with the section's anchor when the page has one. */
  url: string;
  pageUrl: string;
  pageId: string;
  pageTitle: string;
  headingPath: string[];
  sourceId: string;
  sourceTitle: string;
  score: ScoreParts;
};

type Anchor = { id: string; text: string; level: number };
type Row = {
  id: string | number;
  chunk_index: number;
  content: string;
  heading_path: string[];
  page_id: string;
  url: string;
  page_title: string;
  anchors: unknown;
  source_id: string;
  source_title: string;
};

const isAnchor = (a: unknown): a is Anchor =>
  typeof a === 'object' && a !== null && typeof (a as Anchor).id === 'string' && typeof (a as Anchor).text === 'string';

const plain = (s: string) =>
  s
    // Markdown escapes what HTML headings hold plainly: "Vec\<T>" is the heading Vec<T>.
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/[`*_[\]()#]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

/**
 * Links to the deepest heading of the chunk's section path that has an id on the page. Each heading of the path is
 * looked for after its parent's: a reference page repeats "Parameters" or "Example" under every entry, and the first
 * one on the page belongs to another entry.
 */
export function anchorUrl(pageUrl: string, headingPath: string[], stored: unknown): string {
  // Metadata is JSON as the page's writer left it: an imported archive's may hold anything under `anchors`.
  const anchors = Array.isArray(stored) ? (stored as unknown[]).filter(isAnchor) : [];
  if (!anchors.length || pageUrl.includes('#')) return pageUrl;
  let from = 0;
  let deepest: Anchor | null = null;
  for (const heading of headingPath) {
    const wanted = plain(heading);
    const at = anchors.findIndex((a, i) => i >= from && plain(a.text) === wanted);
    if (at < 0) continue;
    from = at + 1;
    if (anchors[at]!.id) deepest = anchors[at]!;
  }
  return deepest ? `${pageUrl}#${encodeURIComponent(deepest.id)}` : pageUrl;
}

/** Loads what a result shows for each fused row, keeping the fused order. */
/** How a fused row scored: its fused score and what each half contributed. */
export const scoreParts = (r: FusedRow): ScoreParts => ({
  fused: r.score,
  vectorRank: r.vector_rank,
  textRank: r.text_rank,
  vectorSimilarity: r.vector_distance === null ? null : 1 - r.vector_distance,
  textScore: r.text_score,
  ...(r.exact === undefined ? {} : { exact: r.exact }),
  ...(r.rewrite_rank === undefined ? {} : { rewriteRank: r.rewrite_rank }),
});

/**
 * `contentChars`: read only the start of each chunk's text, for results that show an excerpt
 * (in characters, which Postgres counts as code points: never fewer UTF-16 units than JS counts).
 */
export async function hydrateChunkHits(db: Database, rows: FusedRow[], contentChars?: number): Promise<ChunkHit[]> {
  if (rows.length === 0) return [];
  const content = contentChars === undefined ? sql`c.content` : sql`left(c.content, ${contentChars}::int) as content`;
  const details = await queryRows<Row>(
    db,
    sql`select c.id, c.chunk_index, ${content}, c.heading_path, c.page_id, p.url, p.title as page_title,
               p.metadata->'anchors' as anchors, c.source_id, s.title as source_title
        from chunks c join pages p on p.id = c.page_id join sources s on s.id = c.source_id
        where c.id in ${rows.map((r) => r.id)}`,
  );
  const byId = new Map(details.map((d) => [Number(d.id), d]));
  return rows.flatMap((r) => {
    const d = byId.get(r.id);
    if (!d) return [];
    return [
      {
        chunkId: r.id,
        chunkIndex: d.chunk_index,
        content: d.content,
        url: anchorUrl(d.url, d.heading_path, d.anchors),
        pageUrl: d.url,
        pageId: d.page_id,
        pageTitle: d.page_title,
        headingPath: d.heading_path,
        sourceId: d.source_id,
        sourceTitle: d.source_title,
        score: scoreParts(r),
      },
    ];
  });
}
