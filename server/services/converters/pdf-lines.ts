import type { TextContent, TextItem } from 'pdfjs-dist/types/src/display/api';

// A PDF page is a bag of positioned text runs. This groups them into lines
// by baseline, in content-stream order (which is reading order for nearly
// every generator, multi-column layouts included), and keeps what the later
// passes need: position, size, and whether the font is fixed-pitch.

export type PdfLine = {
  text: string;
  /** Left edge and baseline, in PDF points (y grows upwards). */
  x: number;
  y: number;
  /** Font size in points (largest run on the line). */
  size: number;
  /** Every visible run uses a fixed-pitch font: code, or a terminal transcript. */
  mono: boolean;
  /** Width of one character for fixed-pitch lines (to rebuild indentation), else 0. */
  charWidth: number;
  /**
   * A bracketed category set apart in the margin, as texinfo sets "[Function]"
   * at the right edge of a definition line; kept out of `text`.
   */
  label?: string;
};

type Run = { text: string; x: number; y: number; end: number; size: number; mono: boolean; charWidth: number };

// "[Function]", "[Data type]", "[Macro]": texinfo's @deffn categories.
const MARGIN_LABEL = /^\[[\p{L}][\p{L} -]{0,30}\]$/u;

function isTextItem(item: TextContent['items'][number]): item is TextItem {
  return 'str' in item;
}

function toRun(item: TextItem, styles: TextContent['styles']): Run | null {
  if (!item.str || item.dir === 'ttb') return null;
  const [a, b, c, d, x, y] = item.transform as number[];
  // The vertical scale of the text matrix is the font size, whatever the rotation.
  const size = Math.hypot(c ?? 0, d ?? 0) || Math.hypot(a ?? 0, b ?? 0) || item.height;
  const mono = styles[item.fontName]?.fontFamily === 'monospace';
  const visible = item.str.trim().length;
  // pdf.js spaces out the letters of text set one glyph per fixed-width cell
  // (LaTeX listings in a proportional font): "w h i l e" was "while".
  const text = mono ? item.str : item.str.replace(/(?<!\S)(?:[\p{L}_] ){3,}[\p{L}_](?!\S)/gu, (spaced) => spaced.replace(/ /g, ''));
  return {
    text,
    x: x ?? 0,
    y: y ?? 0,
    end: (x ?? 0) + item.width,
    size,
    mono,
    charWidth: mono && visible > 0 ? item.width / item.str.length : 0,
  };
}

function joinRuns(runs: Run[], mono: boolean, charWidth: number): string {
  let text = '';
  let end = -Infinity;
  for (const run of runs) {
    const blank = !run.text.trim();
    const gap = run.x - end;
    if (mono && charWidth > 0) {
      // Fixed-pitch text keeps its alignment: the white between two runs is as
      // many columns as it is wide, whatever the generator drew it with (TeX draws
      // nothing; pdf.js makes one " " of a gap ten columns wide).
      if (blank) continue;
      if (text && !/\s$/.test(text) && !/^\s/.test(run.text) && gap > charWidth * 0.5) text += ' '.repeat(Math.max(1, Math.round(gap / charWidth)));
    } else if (blank) {
      // A sliver of white between two fonts (an italic correction) is not a word break.
      if (run.end - run.x < run.size * 0.15) continue;
    } else if (text && !/\s$/.test(text) && !/^\s/.test(run.text) && gap > run.size * 0.15) text += ' ';
    text += run.text;
    end = Math.max(end, run.end);
  }
  return text.replace(/\s+$/, '');
}

/** A bracketed run standing apart from the rest of its line, by more than an em on the side it faces. */
function marginLabel(visible: Run[]): Run | null {
  if (visible.length < 2) return null;
  const sorted = [...visible].sort((p, q) => p.x - q.x);
  for (const [i, run] of sorted.entries()) {
    if (!MARGIN_LABEL.test(run.text.trim())) continue;
    const before = sorted[i - 1];
    const after = sorted[i + 1];
    if (before && !after && run.x - before.end > run.size * 1.5) return run;
    if (after && !before && after.x - run.end > run.size * 1.5) return run;
  }
  return null;
}

// Punctuation in another font (dblatex sets < and > of XML listings that way)
// does not make a fixed-pitch line proportional.
// Only ASCII punctuation: a bullet in the text font before a fixed-pitch word is a list item.
const CODE_PUNCTUATION = /^[\s!-/:-@[-`{-~]*$/;

function toLine(runs: Run[]): PdfLine | null {
  let visible = runs.filter((r) => r.text.trim());
  if (visible.length === 0) return null;
  const label = marginLabel(visible);
  if (label) {
    runs = runs.filter((r) => r !== label);
    visible = visible.filter((r) => r !== label);
  }
  const monoChars = visible.reduce((n, r) => n + (r.mono ? r.text.trim().length : 0), 0);
  const otherChars = visible.reduce((n, r) => n + (r.mono ? 0 : r.text.trim().length), 0);
  const mono = monoChars > otherChars && visible.every((r) => r.mono || CODE_PUNCTUATION.test(r.text));
  const charWidth = mono ? Math.max(...visible.map((r) => r.charWidth)) : 0;
  const text = joinRuns(runs, mono, charWidth);
  const first = visible[0]!;
  return {
    text: mono ? text.replace(/^\s+/, '') : text.trim(),
    x: Math.min(...visible.map((r) => r.x)),
    y: first.y,
    size: Math.max(...visible.map((r) => r.size)),
    mono,
    charWidth,
    ...(label ? { label: label.text.trim().slice(1, -1) } : {}),
  };
}

/** The lines of one page's text content, top to bottom as the stream has them. */
export function pageLines(content: TextContent): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: Run[] = [];
  const flush = () => {
    const line = toLine(current);
    if (line) lines.push(line);
    current = [];
  };
  for (const item of content.items) {
    if (!isTextItem(item)) continue;
    const run = toRun(item, content.styles);
    if (run) {
      const last = current[current.length - 1];
      // Superscripts and subscripts sit off the baseline, a 7 pt exponent
      // 3.6 pt above 10 pt text; a new line is further away than half the
      // height of the bigger text.
      if (last && Math.abs(run.y - last.y) > Math.max(run.size, last.size) * 0.5) flush();
      current.push(run);
    }
    if (item.hasEOL) flush();
  }
  flush();
  return lines;
}
