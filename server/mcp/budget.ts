import type { ChunkHit } from '../services/search/hits';
import { estimateTokens } from './tool';

/**
 * Token budgets (`max_tokens`), as Context7's docs tool has them: the result
 * holds whole passages only, the best that fit, and says what it left out.
 * Tokens are estimated as characters / 4 of the passage text; the estimate
 * errs on the high side for code and English, so a budget is rarely exceeded.
 */

export type Passage = { chunkId: number; chunkIndex: number; url: string; headingPath: string[]; content: string; tokens: number };
export type PackedPage = { pageId: string; url: string; title: string; sourceId: string; sourceTitle: string; score: number; passages: Passage[] };
export type LeftOut = { passages: number; tokens: number; pages: { pageId: string; url: string; passages: number }[] };

const passageOf = (hit: ChunkHit): Passage => ({
  chunkId: hit.chunkId,
  chunkIndex: hit.chunkIndex,
  url: hit.url,
  headingPath: hit.headingPath,
  content: hit.content,
  tokens: estimateTokens(hit.content),
});

/**
 * Packs ranked chunk hits into `maxTokens`: the candidates are the hits of the
 * best `maxPages` pages (pages rank by their best hit), or the best `maxPassages`
 * hits; they are taken best first, skipping any that would overflow the budget,
 * and each page's passages are then put back in document order.
 */
export function packPassages(
  hits: ChunkHit[],
  opts: { maxTokens: number; maxPages?: number; maxPassages?: number },
): { pages: PackedPage[]; leftOut: LeftOut; tokens: number } {
  const order: string[] = [];
  const pages = new Map<string, PackedPage>();
  const candidates: ChunkHit[] = [];
  for (const hit of hits) {
    if (opts.maxPassages !== undefined && candidates.length >= opts.maxPassages) break;
    if (!pages.has(hit.pageId)) {
      if (opts.maxPages !== undefined && order.length >= opts.maxPages) continue;
      order.push(hit.pageId);
      const score = hit.score.rerank ?? hit.score.fused;
      pages.set(hit.pageId, {
        pageId: hit.pageId,
        url: hit.pageUrl,
        title: hit.pageTitle,
        sourceId: hit.sourceId,
        sourceTitle: hit.sourceTitle,
        score,
        passages: [],
      });
    }
    candidates.push(hit);
  }
  let used = 0;
  const leftOut: LeftOut = { passages: 0, tokens: 0, pages: [] };
  const missing = new Map<string, number>();
  for (const hit of candidates) {
    const passage = passageOf(hit);
    if (used + passage.tokens <= opts.maxTokens) {
      used += passage.tokens;
      pages.get(hit.pageId)!.passages.push(passage);
    } else {
      leftOut.passages += 1;
      leftOut.tokens += passage.tokens;
      missing.set(hit.pageId, (missing.get(hit.pageId) ?? 0) + 1);
    }
  }
  for (const [pageId, n] of missing) leftOut.pages.push({ pageId, url: pages.get(pageId)!.url, passages: n });
  const packed = order
    .map((id) => pages.get(id)!)
    .filter((p) => p.passages.length > 0)
    .map((p) => ({ ...p, passages: p.passages.sort((a, b) => a.chunkIndex - b.chunkIndex) }));
  return { pages: packed, leftOut, tokens: used };
}

export function leftOutNotice(leftOut: LeftOut, maxTokens: number): string | null {
  if (leftOut.passages === 0) return null;
  const pages = leftOut.pages.length === 1 ? '1 page' : `${leftOut.pages.length} pages`;
  return `${leftOut.passages} more matching passage(s) from ${pages} (about ${leftOut.tokens} tokens) did not fit max_tokens=${maxTokens}; raise max_tokens, or read a page with rag_read_full_page.`;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/**
 * Where the last whole passage of a cut text ends: the start of the passage
 * the cut went through (a paragraph, list, table or code block; passages are
 * separated by blank lines or begin at headings, never inside a code fence).
 * 0 when the text holds no whole passage.
 */
export function lastPassageEnd(text: string, opts: { startsInFence?: boolean } = {}): number {
  // Inside a block of unknown fence: the first fence line closes it.
  let fence: string | null = opts.startsInFence ? '' : null;
  let end = 0;
  let at = 0;
  let previousBlank = false;
  for (const line of text.split('\n')) {
    const start = at;
    at += line.length + 1;
    const marker = FENCE.exec(line)?.[1];
    if (fence !== null) {
      if (marker && (fence === '' || (marker[0] === fence[0] && marker.length >= fence.length)) && line.trim() === marker) fence = null;
      continue;
    }
    if ((previousBlank || /^#{1,6}\s/.test(line)) && start > 0) end = start;
    if (marker) fence = marker;
    previousBlank = line.trim() === '';
  }
  return end;
}

/**
 * Where to cut a page read that `max_tokens` made too short for the rest:
 * after the last whole passage; when there is none, the read may have begun
 * inside a code block (an earlier read cut one), whose closing fence then
 * reads as an opening one, so the passages after it count; and failing that,
 * after the last whole line rather than in a word; nowhere when not even a line is whole.
 */
export function readCut(text: string): { at: number; whole: 'passages' | 'lines' | null } {
  const at = lastPassageEnd(text) || lastPassageEnd(text, { startsInFence: true });
  if (at > 0) return { at, whole: 'passages' };
  const line = text.lastIndexOf('\n') + 1;
  return line > 0 ? { at: line, whole: 'lines' } : { at: 0, whole: null };
}

/** Code points, the unit page offsets count in (PostgreSQL's char_length). */
export const codePoints = (text: string) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

const isPairAt = (text: string, i: number) => {
  const hi = text.charCodeAt(i);
  const lo = text.charCodeAt(i + 1);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
};

/** `count` code points of `text` from code point `start`: offsets as pages count them, never half a surrogate pair. */
export function sliceCodePoints(text: string, start: number, count: number): string {
  let from = 0;
  for (let n = 0; n < start && from < text.length; n++) from += isPairAt(text, from) ? 2 : 1;
  let to = from;
  for (let n = 0; n < count && to < text.length; n++) to += isPairAt(text, to) ? 2 : 1;
  return text.slice(from, to);
}
