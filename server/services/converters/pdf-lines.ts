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
};

type Run = { text: string; x: number; y: number; end: number; size: number; mono: boolean; charWidth: number };

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
  return {
    text: item.str,
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
    const gap = run.x - end;
    if (text && !/\s$/.test(text) && !/^\s/.test(run.text)) {
      // Fixed-pitch text keeps its alignment; proportional text only needs a word break.
      if (mono && charWidth > 0 && gap > charWidth * 0.5) text += ' '.repeat(Math.max(1, Math.round(gap / charWidth)));
      else if (gap > run.size * 0.15) text += ' ';
    }
    text += run.text;
    end = Math.max(end, run.end);
  }
  return text.replace(/\s+$/, '');
}

function toLine(runs: Run[]): PdfLine | null {
  const visible = runs.filter((r) => r.text.trim());
  if (visible.length === 0) return null;
  const mono = visible.every((r) => r.mono);
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
      // Superscripts and subscripts sit off the baseline; a new line is
      // further away than half the text height.
      if (last && Math.abs(run.y - last.y) > Math.min(run.size, last.size) * 0.5) flush();
      current.push(run);
    }
    if (item.hasEOL) flush();
  }
  flush();
  return lines;
}
