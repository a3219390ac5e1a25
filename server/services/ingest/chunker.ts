import { createHash } from 'node:crypto';
import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import { isHeadingOnly, type MarkdownSection, splitSections, trimBlankLines } from '../markdown/markdown-sections';

export type MarkdownChunk = {
  index: number;
  content: string;
  headingPath: string[];
  charCount: number;
  /** sha256 (hex) of `content`. */
  contentHash: string;
};

export type ChunkOptions = { minChars?: number; preferredChars?: number; maxChars?: number; overlapChars?: number };

type Limits = Required<ChunkOptions>;
/** A span of a section: `sep` is the whitespace that preceded it in the section. */
type Unit = { text: string; sep: string; fence: boolean };
type Piece = Unit & { oversize: boolean };

const DEFAULTS: Limits = { minChars: 500, preferredChars: 1500, maxChars: 5000, overlapChars: 150 };
/**
 * The longest fence kept whole. A chunk's search index (tsvector) holds at
 * most 1 MB, about 300,000 characters of dense code; a larger chunk would be
 * refused by PostgreSQL and fail every page stored with it.
 */
export const MAX_FENCE_CHARS = 50_000;
const SENTENCE_END = /(?<=[.!?。！？])(\s+)/;

function limits(opts: ChunkOptions): Limits {
  const o = { ...DEFAULTS, ...opts };
  const maxChars = Math.max(1, Math.floor(o.maxChars));
  const preferredChars = Math.min(Math.max(1, Math.floor(o.preferredChars)), maxChars);
  const minChars = Math.min(Math.max(0, Math.floor(o.minChars)), preferredChars);
  return { minChars, preferredChars, maxChars, overlapChars: Math.max(0, Math.floor(o.overlapChars)) };
}

/**
 * Splits Markdown into chunks for embedding, following its headings.
 *
 * - Sections start at ATX and setext headings outside code fences and keep their heading
 *   line; each knows its heading path (H1 > H2 > …).
 * - Consecutive sections below `minChars` merge forward while the result stays
 *   within `preferredChars`, never across an H1 (the chunk keeps the first
 *   section's path); a small section that cannot merge forward joins the chunk
 *   before it. Merging across H2 was measured on the PostgreSQL manual: 16 %
 *   fewer chunks and better retrieval (docs/benchmarks.md). A heading with no text of its own that cannot merge goes
 *   in front of its first subsection instead (which keeps its own, deeper path).
 * - Longer sections split at blank lines, then lines, then sentences, never
 *   inside a code fence. A fence longer than `maxChars` becomes a chunk of its
 *   own, unchanged and over the limit: cutting code in half helps nobody.
 *   Only past MAX_FENCE_CHARS is it cut, at line ends, into fenced pieces.
 * - Each later piece of a split section starts with up to `overlapChars` of
 *   the previous piece's tail, cut at a line or sentence start and never taken
 *   from a fence.
 */
export function chunkMarkdown(markdown: string, opts: ChunkOptions = {}): MarkdownChunk[] {
  if (!markdown.trim()) return [];
  const o = limits(opts);
  const parts: { content: string; headingPath: string[] }[] = [];
  for (const group of mergeSections(splitSections(markdown), o)) {
    if (group.content.length <= o.preferredChars) {
      parts.push(group);
      continue;
    }
    const pieces = pack(units(group.content, o), o);
    pieces.forEach((piece, i) => {
      let content = piece.text;
      const prev = pieces[i - 1];
      if (prev && !piece.oversize) {
        const overlap = overlapTail(prev.text, o.overlapChars);
        if (overlap && overlap.length + piece.sep.length + content.length <= o.maxChars) content = overlap + piece.sep + content;
      }
      parts.push({ content, headingPath: group.headingPath });
    });
  }
  return parts
    .filter((p) => p.content.trim())
    .map((p, index) => ({
      index,
      content: p.content,
      headingPath: p.headingPath,
      charCount: p.content.length,
      contentHash: createHash('sha256').update(p.content).digest('hex'),
    }));
}

/** The text an embedding model sees: page title and heading path give the chunk its context. */
export function embeddingText(chunk: MarkdownChunk, title: string): string {
  const header = [title.trim(), chunk.headingPath.join(' > ')].filter(Boolean).join('\n');
  // Link targets are URLs, not meaning (and they are the same on every page).
  const body = chunk.content.replace(/\]\([^)]*\)/g, ']');
  return header ? `${header}\n\n${body}` : body;
}

function mergeSections(sections: MarkdownSection[], o: Limits): { content: string; headingPath: string[] }[] {
  const groups: { content: string; headingPath: string[] }[] = [];
  const queue = [...sections];
  let i = 0;
  while (i < queue.length) {
    const first = queue[i++]!;
    let content = first.content;
    let merged = false;
    while (content.length < o.minChars && i < queue.length) {
      const next = queue[i]!;
      if (next.level === 1) break;
      if (content.length + 2 + next.content.length > o.preferredChars) break;
      content += `\n\n${next.content}`;
      merged = true;
      i++;
    }
    // A bare heading ("## Parameters") whose first subsection is too big to
    // merge with would be a chunk of one line: it goes in front of that
    // subsection instead, whose heading path already names it.
    const next = queue[i];
    if (!merged && next && next.level > first.level && first.level > 0 && isHeadingOnly(first.content)) {
      queue[i] = { ...next, content: `${first.content}\n\n${next.content}` };
      continue;
    }
    // A small section left over (a note, a one-line return value) belongs
    // with the text before it rather than standing alone.
    const prev = groups.at(-1);
    if (content.length < o.minChars && prev && first.level !== 1 && prev.content.length + 2 + content.length <= o.preferredChars) {
      prev.content += `\n\n${content}`;
      continue;
    }
    groups.push({ content, headingPath: first.headingPath });
  }
  return groups;
}

/** Paragraphs and whole fences; paragraphs over `preferredChars` broken into lines, sentences, words. */
function units(text: string, o: Limits): Unit[] {
  const blocks: Unit[] = [];
  let para: string[] = [];
  let fence: { open: Fence; lines: string[] } | null = null;
  let sep = '';
  const emit = (lines: string[], isFence: boolean) => {
    blocks.push({ text: lines.join('\n'), sep: blocks.length ? sep : '', fence: isFence });
    sep = '\n';
  };
  for (const line of text.split('\n')) {
    if (fence) {
      fence.lines.push(line);
      if (closesFence(line, fence.open)) {
        emit(fence.lines, true);
        fence = null;
      }
      continue;
    }
    const open = openingFence(line);
    if (open) {
      if (para.length) emit(para, false);
      para = [];
      fence = { open, lines: [line] };
    } else if (!line.trim()) {
      if (para.length) emit(para, false);
      para = [];
      if (blocks.length) sep = '\n\n';
    } else para.push(line);
  }
  // An unclosed fence runs to the end of the section, as in CommonMark.
  if (fence) emit(fence.lines, true);
  if (para.length) emit(para, false);

  const out: Unit[] = [];
  for (const block of blocks) {
    if (block.fence && block.text.length > MAX_FENCE_CHARS) splitFence(block, out);
    else if (block.fence || block.text.length <= o.preferredChars) out.push(block);
    else breakDown(block, o.preferredChars, out);
  }
  return out;
}

/** A huge fence as several fences of whole lines (a longer line cut anywhere), each opened and closed like the original. */
function splitFence(block: Unit, out: Unit[]): void {
  const lines = block.text.split('\n');
  const open = lines.shift()!;
  const fence = openingFence(open)!;
  if (lines.length && closesFence(lines.at(-1)!, fence)) lines.pop();
  const close = fence.char.repeat(fence.length);
  const room = MAX_FENCE_CHARS - open.length - close.length - 2;
  let body: string[] = [];
  let size = 0;
  let sep = block.sep;
  const flush = () => {
    out.push({ text: [open, ...body, close].join('\n'), sep, fence: true });
    [body, size, sep] = [[], 0, '\n'];
  };
  for (const line of lines.flatMap((l) => (l.length > room ? hardSplit(l, room).map((p) => p.text) : [l]))) {
    if (body.length && size + line.length + 1 > room) flush();
    body.push(line);
    size += line.length + 1;
  }
  if (body.length) flush();
}

function breakDown(block: Unit, limit: number, out: Unit[]): void {
  const lines = block.text.split('\n');
  for (const [i, line] of lines.entries()) {
    const sep = i === 0 ? block.sep : '\n';
    if (line.length <= limit) {
      out.push({ text: line, sep, fence: false });
      continue;
    }
    // split() with a capturing group alternates sentences and the whitespace between them.
    const parts = line.split(SENTENCE_END);
    for (let k = 0; k < parts.length; k += 2) {
      const sentence = parts[k]!;
      const before = k === 0 ? sep : parts[k - 1]!;
      if (sentence.length <= limit) out.push({ text: sentence, sep: before, fence: false });
      else {
        for (const [j, w] of hardSplit(sentence, limit).entries()) out.push({ text: w.text, sep: j === 0 ? before : w.sep, fence: false });
      }
    }
  }
}

/** Last resort for a sentence longer than the limit: cut at the last space that fits, else anywhere. */
function hardSplit(text: string, limit: number): { text: string; sep: string }[] {
  const out: { text: string; sep: string }[] = [];
  let rest = text;
  let sep = '';
  while (rest.length > limit) {
    let cut = rest.lastIndexOf(' ', limit);
    if (cut <= 0) {
      cut = limit;
      // Never separate a surrogate pair.
      if (/[\uD800-\uDBFF]/.test(rest[cut - 1]!)) cut--;
      out.push({ text: rest.slice(0, cut), sep });
      rest = rest.slice(cut);
      sep = '';
    } else {
      out.push({ text: rest.slice(0, cut), sep });
      rest = rest.slice(cut + 1);
      sep = ' ';
    }
  }
  if (rest) out.push({ text: rest, sep });
  return out;
}

function pack(list: Unit[], o: Limits): Piece[] {
  const pieces: Piece[] = [];
  let cur: Piece | null = null;
  for (const u of list) {
    const oversize = u.fence && u.text.length > o.maxChars;
    if (cur && !cur.oversize && !oversize) {
      const size = cur.text.length + u.sep.length + u.text.length;
      // A piece under minChars (a heading before a long code block) may grow up to maxChars.
      if (size <= o.preferredChars || (cur.text.length < o.minChars && size <= o.maxChars)) {
        cur.text += u.sep + u.text;
        continue;
      }
    }
    if (cur) pieces.push(cur);
    cur = { ...u, oversize };
  }
  if (cur) pieces.push(cur);
  // A short tail reads better attached to its predecessor, within the hard limit.
  const last = pieces[pieces.length - 1];
  const prev = pieces[pieces.length - 2];
  if (last && prev && !last.oversize && !prev.oversize && last.text.length < o.minChars) {
    if (prev.text.length + last.sep.length + last.text.length <= o.maxChars) {
      prev.text += last.sep + last.text;
      pieces.pop();
    }
  }
  return pieces.map((p) => ({ ...p, text: trimBlankLines(p.text) })).filter((p) => p.text.trim());
}

/**
 * Up to `max` characters from the end of `text`, starting at a line or
 * sentence start, and only from after the last code fence.
 */
function overlapTail(text: string, max: number): string {
  if (max <= 0) return '';
  let floor = 0;
  let fence: Fence | null = null;
  let pos = 0;
  for (const line of text.split('\n')) {
    const end = pos + line.length + 1;
    if (fence) {
      if (closesFence(line, fence)) {
        fence = null;
        floor = end;
      }
    } else if ((fence = openingFence(line))) floor = text.length;
    pos = end;
  }
  if (fence || floor >= text.length) return '';
  for (let i = Math.max(floor, text.length - max); i < text.length; i++) {
    const before = text[i - 1];
    const atLine = i === floor || before === '\n';
    const atSentence = before !== undefined && /\s/.test(before) && /[.!?。！？]/.test(text[i - 2] ?? '') && !/\s/.test(text[i]!);
    if (atLine || atSentence) return text.slice(i).trim();
  }
  return '';
}
