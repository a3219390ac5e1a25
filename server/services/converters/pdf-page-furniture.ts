import type { PdfLine } from './pdf-lines';

// Running headers, footers and page numbers are layout, not content; left in,
// they land in the middle of sentences and code blocks that cross a page
// break. A line is furniture when it is one of the outermost lines of its
// page, sits in the page's top or bottom margin band, and is either a bare
// page number or repeats (digits aside) at the same edge of at least half the
// pages.

const EDGE_LINES = 2;
// Share of the page height that counts as top or bottom margin.
const BAND = 0.1;
const PAGE_NUMBER = /^(page\s+)?[#ivxlc]+(\s*(of|\/)\s*#+)?$|^[-–—]\s*#+\s*[-–—]$/i;

function shape(text: string): string {
  return text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().toLowerCase();
}

export type PdfPage = { lines: PdfLine[]; bottom: number; top: number };

/** Indexes of the outermost lines of a page that lie in its margin bands. */
function edges(page: PdfPage): { top: number[]; bottom: number[] } {
  const band = (page.top - page.bottom) * BAND;
  const byHeight = page.lines.map((line, i) => ({ y: line.y, i })).sort((p, q) => q.y - p.y);
  return {
    top: byHeight
      .slice(0, EDGE_LINES)
      .filter((p) => p.y >= page.top - band)
      .map((p) => p.i),
    bottom: byHeight
      .slice(-EDGE_LINES)
      .filter((p) => p.y <= page.bottom + band)
      .map((p) => p.i),
  };
}

function isPageNumber(line: PdfLine): boolean {
  return PAGE_NUMBER.test(shape(line.text)) && /\d|^[ivxlc]+$/i.test(line.text.trim());
}

/** The pages' lines without running headers, footers and page numbers. */
export function removePageFurniture(pages: PdfPage[]): PdfLine[][] {
  const pageEdges = pages.map(edges);
  // How many pages carry each shape at each edge (counted once per page).
  const counts = new Map<string, number>();
  pages.forEach(({ lines }, p) => {
    for (const [side, indexes] of Object.entries(pageEdges[p]!)) {
      const seen = new Set(indexes.map((i) => `${side}:${shape(lines[i]!.text)}`));
      for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  });
  const repeatedOn = Math.max(2, Math.ceil(pages.length / 2));

  return pages.map(({ lines }, p) => {
    const drop = new Set<number>();
    for (const [side, indexes] of Object.entries(pageEdges[p]!)) {
      for (const i of indexes) {
        const line = lines[i]!;
        // Code is content even when two pages happen to end with the same `}`.
        if (line.mono) continue;
        if (isPageNumber(line) || (pages.length > 1 && (counts.get(`${side}:${shape(line.text)}`) ?? 0) >= repeatedOn)) drop.add(i);
      }
    }
    return lines.filter((_, i) => !drop.has(i));
  });
}
