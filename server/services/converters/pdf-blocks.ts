import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import { contentsEntries } from './pdf-contents';
import type { PdfLine } from './pdf-lines';
import { documentWords, joinProse, restoreUnderscores } from './pdf-prose';

// Lines of all pages → Markdown blocks. Runs of fixed-pitch lines become
// fenced code; bigger-than-body lines become headings; the rest is
// paragraphs and list items. Blocks are built across page breaks, so a code
// block or a literal ``` fence that a page break cuts in two comes out as one
// block (the page's header and footer were removed beforehand).

type Block =
  | { kind: 'heading'; size: number; text: string[] }
  | { kind: 'paragraph' | 'item'; size: number; text: string[] }
  | { kind: 'definition'; size: number; x: number; label: string; text: string[] }
  | { kind: 'code'; lines: PdfLine[]; blankBefore: boolean[] }
  | { kind: 'fenced'; fence: Fence; lines: string[]; closed: boolean }
  | { kind: 'contents' }
  | { kind: 'listing'; lines: string[]; last: number };

const BULLET = /^[•◦▪▫‣∙·●○■□–-]\s+/;
// A hyphen or dash at a line start may be a bullet or the middle of a sentence ("U+0030" / "- U+0039)").
const DASH_BULLET = /^[–-]\s+/;
const NUMBERED = /^\(?\d{1,3}[.)]\s+/;
const SENTENCE_END = /[.!?:;]["')\]]?$/;
const TERM = /^([\p{L}\p{N}]+(?: [\p{L}\p{N}]+){1,3}):/u;
const CONTENTS_HEADING = /^(table\s+of\s+)?contents$|\bindex$/i;

function round(size: number): number {
  return Math.round(size * 2) / 2;
}

/** The size most of the document's characters are set in. */
function bodySize(lines: PdfLine[]): number {
  const weight = new Map<number, number>();
  for (const line of lines) if (!line.mono) weight.set(round(line.size), (weight.get(round(line.size)) ?? 0) + line.text.length);
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) if (w > bestWeight) [best, bestWeight] = [size, w];
  return best || 12;
}

function headingLevels(lines: PdfLine[], body: number): Map<number, number> {
  const sizes = [...new Set(lines.filter((l) => !l.mono && round(l.size) >= body * 1.15).map((l) => round(l.size)))].sort((a, b) => b - a);
  return new Map(sizes.map((size, i) => [size, Math.min(i + 1, 6)]));
}

/**
 * The usual distance between the baselines of two lines of a paragraph, per
 * font size: the commonest gap between consecutive lines of that size. A
 * paragraph break is a gap wider than that; documents that set paragraphs
 * only a few points apart (texinfo: 13.1 pt lines, 16.6 pt paragraphs) need
 * the measure, a fixed factor of the font size does not fit them all.
 */
function lineSpacing(pages: PdfLine[][], mono: boolean): Map<number, number> {
  const counts = new Map<number, Map<number, number>>();
  for (const lines of pages) {
    for (let i = 1; i < lines.length; i++) {
      const [a, b] = [lines[i - 1]!, lines[i]!];
      if (a.mono !== mono || b.mono !== mono || round(a.size) !== round(b.size)) continue;
      const gap = a.y - b.y;
      if (gap < a.size * 0.9 || gap > a.size * 2) continue;
      const bySize = counts.get(round(a.size)) ?? new Map<number, number>();
      bySize.set(round(gap), (bySize.get(round(gap)) ?? 0) + 1);
      counts.set(round(a.size), bySize);
    }
  }
  const spacing = new Map<number, number>();
  for (const [size, gaps] of counts) {
    const [gap, n] = [...gaps].sort((p, q) => q[1] - p[1] || p[0] - q[0])[0]!;
    if (n >= 3) spacing.set(size, gap);
  }
  return spacing;
}

// Text that Markdown would read as structure where it stands.
function escapeBlockStart(text: string): string {
  return text.replace(/^(#{1,6}\s|>|[-+*]\s|\d{1,9}[.)]\s|={3,}|`{3,}|~{3,})/, '\\$1');
}

function codeFence(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  return longest ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}

function renderCode(lines: PdfLine[], blankBefore: boolean[]): string {
  const left = Math.min(...lines.map((l) => l.x));
  const body = lines
    .map((l, i) => (blankBefore[i] ? '\n' : '') + (l.charWidth > 0 ? ' '.repeat(Math.max(0, Math.round((l.x - left) / l.charWidth))) : '') + l.text)
    .join('\n');
  const fence = codeFence(body);
  return `${fence}\n${body}\n${fence}`;
}

function render(block: Block, levels: Map<number, number>, words: Set<string>): string {
  switch (block.kind) {
    case 'heading':
      return `${'#'.repeat(levels.get(round(block.size)) ?? 6)} ${restoreUnderscores(block.text.join(' '), words)}`;
    case 'item':
      return joinProse(block.text, words).replace(BULLET, '- ');
    case 'paragraph':
      // A parameter's description starts with its name: "error desc: …" is "error_desc: …".
      return escapeBlockStart(joinProse(block.text, words).replace(TERM, (_, term: string) => `${restoreUnderscores(term, words)}:`));
    case 'definition':
      // texinfo's HTML output reads "Function: int name (…)"; the prototype stays one piece of code.
      return `${block.label}: ${codeSpan(restoreUnderscores(block.text.join(' ').replace(/\s+/g, ' '), words))}`;
    case 'code':
      return renderCode(block.lines, block.blankBefore);
    case 'fenced': {
      const closing = block.closed ? [] : [block.fence.char.repeat(block.fence.length)];
      return [...block.lines, ...closing].join('\n');
    }
    case 'contents':
      return '';
    case 'listing': {
      const body = block.lines.join('\n');
      const fence = codeFence(body);
      return `${fence}\n${body}\n${fence}`;
    }
  }
}

/**
 * Drops the headings of sections that hold nothing but contents or index
 * entries ("Table of Contents", "Concept Index" with its letter headings), and
 * the entries themselves.
 */
function withoutContents(blocks: Block[], levels: Map<number, number>): Block[] {
  const level = (b: Block) => (b.kind === 'heading' ? (levels.get(round(b.size)) ?? 6) : 7);
  const drop = new Set<number>();
  for (const [i, block] of blocks.entries()) {
    if (block.kind !== 'heading') continue;
    let end = i + 1;
    while (end < blocks.length && level(blocks[end]!) > level(block)) end++;
    const body = blocks.slice(i + 1, end).filter((b) => b.kind !== 'heading');
    if (body.length > 0 && body.every((b) => b.kind === 'contents')) for (let j = i; j < end; j++) drop.add(j);
    // DocBook's chapter contents: "Table of Contents", its entries, then the chapter's first paragraph under the same heading.
    else if (CONTENTS_HEADING.test(block.text.join(' ')) && blocks[i + 1]?.kind === 'contents') drop.add(i);
  }
  return blocks.filter((b, i) => !drop.has(i) && b.kind !== 'contents');
}

/**
 * Markdown for a document's pages, given as lines per page with page
 * furniture already removed. `monoIsCode` is false for documents set
 * entirely in a fixed-pitch font, where fixed pitch says nothing about code.
 */
export function pdfLinesToMarkdown(pages: PdfLine[][], monoIsCode: boolean): string {
  const contents = contentsEntries(pages);
  const all = pages.flat();
  const text = all.filter((l) => !contents.has(l));
  const body = bodySize(text);
  const levels = headingLevels(text, body);
  const spacing = lineSpacing(pages, false);
  const codeSpacing = lineSpacing(pages, true);
  // A listing goes on across one empty line: two of its line spacings, or 2.6 font sizes where the spacing is unknown.
  const codeGap = (line: PdfLine) => Math.max(2.6, ((codeSpacing.get(round(line.size)) ?? 0) * 2.25) / line.size);
  const words = documentWords(text.map((l) => l.text));
  const blocks: Block[] = [];
  let current: Block | null = null;
  let previous: PdfLine | null = null;
  let pageStart = false;

  // Footnotes of the page before, held back until the paragraph that a page break cut ends.
  let notes: PdfLine[] = [];
  const flushNotes = () => {
    for (const note of notes) {
      const last = blocks[blocks.length - 1];
      if (FOOTNOTE_MARK.test(note.text) || last?.kind !== 'paragraph') blocks.push({ kind: 'paragraph', size: note.size, text: [note.text] });
      else last.text.push(note.text);
    }
    notes = [];
  };
  const start = (block: Block) => {
    flushNotes();
    blocks.push(block);
    current = block;
  };
  // Same column and no further apart than two lines of a paragraph are.
  const sameParagraph = (line: PdfLine) => {
    const usual = spacing.get(round(line.size));
    return usual ? gapOk(previous, line, (usual * 1.1) / Math.max(previous?.size ?? 0, line.size)) : gapOk(previous, line, 1.6);
  };

  // A sentence wrapped before an identifier set in code ("… called from" / "mbtowc."): the
  // fixed-pitch line goes on the paragraph's line, in its column, at its line spacing.
  const continuesInCode = (block: Block | null, line: PdfLine): block is Block & { kind: 'paragraph' | 'item' } => {
    if ((block?.kind !== 'paragraph' && block?.kind !== 'item') || pageStart || !previous) return false;
    if (SENTENCE_END.test(block.text[block.text.length - 1] ?? '')) return false;
    const column = Math.abs(line.x - previous.x) < 1 || (block.kind === 'item' && line.x > previous.x && line.x - previous.x < line.size * 3);
    const usual = spacing.get(round(block.size));
    return column && gapOk(previous, line, usual ? (usual * 1.1) / Math.max(previous.size, line.size) : 1.6);
  };

  const add = (line: PdfLine, next: PdfLine | undefined, after: PdfLine | undefined) => {
    const block = current as Block | null;
    if (block?.kind === 'fenced' && !block.closed) {
      block.lines.push(line.text);
      if (closesFence(line.text, block.fence)) block.closed = true;
      return;
    }
    if (contents.has(line)) {
      if (block?.kind !== 'contents') start({ kind: 'contents' });
      return;
    }
    const fence = openingFence(line.text);
    if (fence) return start({ kind: 'fenced', fence, lines: [line.text], closed: false });

    if (line.label) return start({ kind: 'definition', size: line.size, x: line.x, label: line.label, text: [line.text] });
    // A prototype too long for its line goes on, indented, on the next: code or not, it is the same prototype.
    if (
      block?.kind === 'definition' &&
      !pageStart &&
      round(line.size) === round(block.size) &&
      line.x > block.x + line.size * 0.5 &&
      gapOk(previous, line, 1.6)
    ) {
      block.text.push(line.text);
      return;
    }

    // LaTeX listings set in a proportional font with line numbers ("1 // comment", "2 while (d > D) {"):
    // code all the same, by its numbers counting up one by one.
    const number = LISTING_NUMBER.exec(line.text);
    if (number && !line.mono && line.size <= body) {
      const n = Number(number[1]);
      const code = line.text.slice(number[0].length);
      if (block?.kind === 'listing' && n === block.last + 1 && (pageStart || gapOk(previous, line, 2.6))) {
        block.lines.push(code);
        block.last = n;
        return;
      }
      if (n === 1 && listingNumber(next) === 2 && listingNumber(after) === 3) return start({ kind: 'listing', lines: [code], last: 1 });
    }

    if (monoIsCode && line.mono && continuesInCode(block, line)) {
      block.text.push(line.text);
      return;
    }
    if (monoIsCode && line.mono) {
      if (block?.kind === 'code' && (pageStart || gapOk(previous, line, codeGap(line)))) {
        // An empty line inside code leaves a double gap; a page break leaves none.
        block.blankBefore.push(!pageStart && previous !== null && previous.y - line.y > line.size * 1.8);
        block.lines.push(line);
      } else start({ kind: 'code', lines: [line], blankBefore: [false] });
      return;
    }
    if (levels.has(round(line.size)) && line.text.length < 200) {
      if (block?.kind === 'heading' && round(block.size) === round(line.size) && !pageStart && gapOk(previous, line, 1.8)) block.text.push(line.text);
      else start({ kind: 'heading', size: line.size, text: [line.text] });
      return;
    }

    const inProse = (block?.kind === 'paragraph' || block?.kind === 'item') && round(block.size) === round(line.size);
    const last = inProse ? (block.text[block.text.length - 1] ?? '') : '';
    const continues = inProse && (pageStart ? !SENTENCE_END.test(last) : sameParagraph(line));
    // "(U+0030" / "- U+0039)": a dash that starts a line in the middle of a sentence, in the paragraph's column.
    const midSentence = continues && !pageStart && previous !== null && Math.abs(line.x - previous.x) < 1 && !SENTENCE_END.test(last);
    if (NUMBERED.test(line.text) || (BULLET.test(line.text) && !(DASH_BULLET.test(line.text) && midSentence))) {
      return start({ kind: 'item', size: line.size, text: [line.text] });
    }
    if (continues && !(block.kind === 'paragraph' && indentsParagraph(previous, line, next))) block.text.push(line.text);
    else start({ kind: 'paragraph', size: line.size, text: [line.text] });
  };

  for (const page of pages) {
    const split = footnotesAt(page, body, spacing);
    const lines = page.slice(0, split);
    pageStart = true;
    for (const [i, line] of lines.entries()) {
      add(line, lines[i + 1], lines[i + 2]);
      previous = line;
      pageStart = false;
    }
    notes.push(...page.slice(split));
  }
  flushNotes();
  const kept = withoutContents(blocks, levels);
  // Consecutive list items make one tight list.
  return kept.map((b, i) => (i === 0 ? '' : b.kind === 'item' && kept[i - 1]!.kind === 'item' ? '\n' : '\n\n') + render(b, levels, words)).join('');
}

// "1 Actually, the computation…": a footnote starts with its mark, no full stop after a number.
const FOOTNOTE_MARK = /^(\d{1,2}|[*†‡§])\s+\S/;

/**
 * Where the footnotes at the foot of a page begin (the page's length when it
 * has none): a run of lines in smaller type at the bottom, set apart from the
 * text above, the first one starting with a mark. Left where they stand they
 * cut in two a paragraph that goes on over the page.
 */
function footnotesAt(lines: PdfLine[], body: number, spacing: Map<number, number>): number {
  let at = lines.length;
  while (at > 0 && !lines[at - 1]!.mono && lines[at - 1]!.size < body - 0.5) at--;
  for (let i = at; i < lines.length; i++) {
    if (!FOOTNOTE_MARK.test(lines[i]!.text)) continue;
    const above = lines[i - 1];
    if (!above || above.size < body - 0.5 || above.y <= lines[i]!.y) return lines.length;
    const usual = spacing.get(round(above.size)) ?? above.size * 1.2;
    return above.y - lines[i]!.y > usual * 1.3 ? i : lines.length;
  }
  return lines.length;
}

const LISTING_NUMBER = /^(\d{1,4}) +(?=\S)/;

function listingNumber(line: PdfLine | undefined): number | null {
  const match = line ? LISTING_NUMBER.exec(line.text) : null;
  return match ? Number(match[1]) : null;
}

/**
 * A first line set in by an indent (texinfo, LaTeX: paragraphs with no space
 * between them), where the line before and the line after stand at the
 * paragraph's left edge, starts a new paragraph.
 */
function indentsParagraph(previous: PdfLine | null, line: PdfLine, next: PdfLine | undefined): boolean {
  if (!previous) return false;
  const indent = line.x - previous.x;
  if (indent < line.size * 0.5 || indent > line.size * 4) return false;
  return (next !== undefined && Math.abs(next.x - previous.x) < 1 && round(next.size) === round(line.size)) || SENTENCE_END.test(previous.text);
}

/** Same column and no wider than `factor` line heights apart. */
function gapOk(previous: PdfLine | null, line: PdfLine, factor: number): boolean {
  if (!previous) return false;
  const gap = previous.y - line.y;
  return gap > 0 && gap <= Math.max(previous.size, line.size) * factor;
}
