import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import type { PdfLine } from './pdf-lines';

// Lines of all pages → Markdown blocks. Runs of fixed-pitch lines become
// fenced code; bigger-than-body lines become headings; the rest is
// paragraphs and list items. Blocks are built across page breaks, so a code
// block or a literal ``` fence that a page break cuts in two comes out as one
// block (the page's header and footer were removed beforehand).

type Block =
  | { kind: 'heading'; size: number; text: string[] }
  | { kind: 'paragraph' | 'item'; size: number; text: string[] }
  | { kind: 'code'; lines: PdfLine[]; blankBefore: boolean[] }
  | { kind: 'fenced'; fence: Fence; lines: string[]; closed: boolean };

const BULLET = /^[•◦▪▫‣∙·●○■□–-]\s+/;
const NUMBERED = /^\(?\d{1,3}[.)]\s+/;
const SENTENCE_END = /[.!?:;]["')\]]?$/;

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

function joinProse(lines: string[]): string {
  let out = '';
  for (const line of lines) {
    // "conver-\nsion" was one word before the line was broken.
    if (/\p{Ll}-$/u.test(out) && /^\p{Ll}/u.test(line)) out = out.slice(0, -1) + line;
    else out = out ? `${out} ${line}` : line;
  }
  return out;
}

// Text that Markdown would read as structure where it stands.
function escapeBlockStart(text: string): string {
  return text.replace(/^(#{1,6}\s|>|[-+*]\s|\d{1,9}[.)]\s|={3,}|`{3,}|~{3,})/, '\\$1');
}

function codeFence(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function renderCode(lines: PdfLine[], blankBefore: boolean[]): string {
  const left = Math.min(...lines.map((l) => l.x));
  const body = lines
    .map((l, i) => (blankBefore[i] ? '\n' : '') + (l.charWidth > 0 ? ' '.repeat(Math.max(0, Math.round((l.x - left) / l.charWidth))) : '') + l.text)
    .join('\n');
  const fence = codeFence(body);
  return `${fence}\n${body}\n${fence}`;
}

function render(block: Block, levels: Map<number, number>): string {
  switch (block.kind) {
    case 'heading':
      return `${'#'.repeat(levels.get(round(block.size)) ?? 6)} ${block.text.join(' ')}`;
    case 'item':
      return joinProse(block.text).replace(BULLET, '- ');
    case 'paragraph':
      return escapeBlockStart(joinProse(block.text));
    case 'code':
      return renderCode(block.lines, block.blankBefore);
    case 'fenced': {
      const closing = block.closed ? [] : [block.fence.char.repeat(block.fence.length)];
      return [...block.lines, ...closing].join('\n');
    }
  }
}

/**
 * Markdown for a document's pages, given as lines per page with page
 * furniture already removed. `monoIsCode` is false for documents set
 * entirely in a fixed-pitch font, where fixed pitch says nothing about code.
 */
export function pdfLinesToMarkdown(pages: PdfLine[][], monoIsCode: boolean): string {
  const all = pages.flat();
  const body = bodySize(all);
  const levels = headingLevels(all, body);
  const blocks: Block[] = [];
  let current: Block | null = null;
  let previous: PdfLine | null = null;
  let pageStart = false;

  const start = (block: Block) => {
    blocks.push(block);
    current = block;
  };

  const add = (line: PdfLine) => {
    const block = current as Block | null;
    if (block?.kind === 'fenced' && !block.closed) {
      block.lines.push(line.text);
      if (closesFence(line.text, block.fence)) block.closed = true;
      return;
    }
    const fence = openingFence(line.text);
    if (fence) return start({ kind: 'fenced', fence, lines: [line.text], closed: false });

    if (monoIsCode && line.mono) {
      if (block?.kind === 'code' && (pageStart || gapOk(previous, line, 2.6))) {
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
    if (BULLET.test(line.text) || NUMBERED.test(line.text)) return start({ kind: 'item', size: line.size, text: [line.text] });

    const continues =
      (block?.kind === 'paragraph' || block?.kind === 'item') &&
      round(block.size) === round(line.size) &&
      (pageStart ? !SENTENCE_END.test(block.text[block.text.length - 1] ?? '') : gapOk(previous, line, 1.6));
    if (continues) block.text.push(line.text);
    else start({ kind: 'paragraph', size: line.size, text: [line.text] });
  };

  for (const lines of pages) {
    pageStart = true;
    for (const line of lines) {
      add(line);
      previous = line;
      pageStart = false;
    }
  }
  // Consecutive list items make one tight list.
  return blocks.map((b, i) => (i === 0 ? '' : b.kind === 'item' && blocks[i - 1]!.kind === 'item' ? '\n' : '\n\n') + render(b, levels)).join('');
}

/** Same column and no wider than `factor` line heights apart. */
function gapOk(previous: PdfLine | null, line: PdfLine, factor: number): boolean {
  if (!previous) return false;
  const gap = previous.y - line.y;
  return gap > 0 && gap <= Math.max(previous.size, line.size) * factor;
}
