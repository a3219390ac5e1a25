import type { PdfLine } from './pdf-lines';

// Running headers, footers and page numbers are layout, not content; left in,
// they land in the middle of sentences and code blocks that cross a page
// break. A line is furniture when it is one of the outermost lines of its
// page, sits in the page's top or bottom margin band, and either is a bare
// page number, or repeats (digits aside) at the same edge of at least half the
// pages, or stands where the running header or footer stands on many pages
// and has a page number at one end or repeats there: "Chapter 4: Function
// reference 12" changes its chapter name and number from page to page, but
// not its place.

const EDGE_LINES = 2;
// Share of the page height that counts as top or bottom margin. LaTeX's
// article class sets its page number 11 % of the page above the bottom edge.
const TOP_BAND = 0.1;
const BOTTOM_BAND = 0.125;
// Share of the pages a running header's place must be taken on.
const SLOT_SHARE = 0.3;
const PAGE_NUMBER = /^(page\s+)?[#ivxlc]+(\s*(of|\/)\s*#+)?$|^[-–—]\s*#+\s*[-–—]$/i;
// A number or roman numeral at either end, as a header or footer carries its page number.
const NUMBERED_END = /^(\d+|[ivxlc]+)\s|\s(\d+|[ivxlc]+)$/i;

function shape(text: string): string {
  return text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().toLowerCase();
}

export type PdfPage = { lines: PdfLine[]; bottom: number; top: number };

/** Indexes of the outermost lines of a page that lie in its margin bands. */
function edges(page: PdfPage): { top: number[]; bottom: number[] } {
  const height = page.top - page.bottom;
  const byHeight = page.lines.map((line, i) => ({ y: line.y, i })).sort((p, q) => q.y - p.y);
  return {
    top: byHeight
      .slice(0, EDGE_LINES)
      .filter((p) => p.y >= page.top - height * TOP_BAND)
      .map((p) => p.i),
    bottom: byHeight
      .slice(-EDGE_LINES)
      .filter((p) => p.y <= page.bottom + height * BOTTOM_BAND)
      .map((p) => p.i),
  };
}

function isPageNumber(line: PdfLine): boolean {
  return PAGE_NUMBER.test(shape(line.text)) && /\d|^[ivxlc]+$/i.test(line.text.trim());
}

/** Where a line stands: its edge, its size and its baseline to the point. */
function slot(side: string, line: PdfLine, dy = 0): string {
  return `${side}:${Math.round(line.size)}:${Math.round(line.y) + dy}`;
}

/** A title without its section number, as a running header quotes it: "2. Using the core" → "using the core". */
function title(text: string): string {
  return text
    .replace(/^(chapter\s+)?[\dA-Z]?[\d.]*\.?\s+/i, '')
    .trim()
    .toLowerCase();
}

/** The size most characters are set in. */
function bodySize(pages: PdfPage[]): number {
  const weight = new Map<number, number>();
  for (const { lines } of pages)
    for (const line of lines) weight.set(Math.round(line.size), (weight.get(Math.round(line.size)) ?? 0) + line.text.length);
  return [...weight].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 12;
}

/** The pages' lines without running headers, footers and page numbers. */
export function removePageFurniture(pages: PdfPage[]): PdfLine[][] {
  const pageEdges = pages.map(edges);
  // How many pages carry each shape at each edge, and each place (counted once per page).
  const counts = new Map<string, number>();
  const slots = new Map<string, number>();
  const slotShapes = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  pages.forEach(({ lines }, p) => {
    for (const [side, indexes] of Object.entries(pageEdges[p]!)) {
      for (const key of new Set(indexes.map((i) => `${side}:${shape(lines[i]!.text)}`))) bump(counts, key);
      for (const key of new Set(indexes.map((i) => slot(side, lines[i]!)))) bump(slots, key);
      for (const key of new Set(indexes.map((i) => `${slot(side, lines[i]!)}:${shape(lines[i]!.text)}`))) bump(slotShapes, key);
    }
  });
  const repeatedOn = Math.max(2, Math.ceil(pages.length / 2));
  const slotOn = Math.max(3, Math.ceil(pages.length * SLOT_SHARE));
  // Baselines a point apart are the same place.
  const near = (key: (dy: number) => string, map: Map<string, number>) => (map.get(key(-1)) ?? 0) + (map.get(key(0)) ?? 0) + (map.get(key(1)) ?? 0);

  const body = bodySize(pages);
  // A running header names the part or chapter it is in: a title set bigger somewhere in the document.
  const titles = new Set(pages.flatMap(({ lines }) => lines.filter((l) => l.size > body * 1.15).map((l) => title(l.text))));
  const runningLine = (side: string, line: PdfLine, lines: PdfLine[]): boolean => {
    // Set apart from the text: the last line of a full page stands at the same place on every page too.
    if (lines.some((other) => Math.abs(other.y - line.y) >= 1 && Math.abs(other.y - line.y) < line.size * 1.8)) return false;
    // Headings stand where headers stand on some pages; a running header is not set bigger than the text.
    if (line.size > body * 1.05 || near((dy) => slot(side, line, dy), slots) < slotOn) return false;
    return (
      NUMBERED_END.test(line.text.trim()) ||
      near((dy) => `${slot(side, line, dy)}:${shape(line.text)}`, slotShapes) >= 2 ||
      titles.has(title(line.text))
    );
  };

  return pages.map(({ lines }, p) => {
    const drop = new Set<number>();
    for (const [side, indexes] of Object.entries(pageEdges[p]!)) {
      for (const i of indexes) {
        const line = lines[i]!;
        // Code is content even when two pages happen to end with the same `}`.
        if (line.mono) continue;
        if (
          isPageNumber(line) ||
          (pages.length > 1 && (counts.get(`${side}:${shape(line.text)}`) ?? 0) >= repeatedOn) ||
          runningLine(side, line, lines)
        ) {
          drop.add(i);
        }
      }
    }
    return lines.filter((_, i) => !drop.has(i));
  });
}
