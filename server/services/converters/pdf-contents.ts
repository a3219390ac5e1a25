import type { PdfLine } from './pdf-lines';

// Tables of contents and indexes list the document's words with page numbers
// that mean nothing once the text is Markdown. Indexed as content they crowd
// search results for every word they list, and their dot-leader entries
// looked like headings. They are recognised here and left out of the
// Markdown, so they are never chunked nor made headings.

// "1 Introduction . . . . . 1", "Valgrind FAQ ........ clxxviii", "asn1_perror . . . 22".
const LEADER_ENTRY = /(\.\s?){4,}\s*(\d+|[ivxlcdm]+)$/i;
// A contents list's entry without leaders ("1 Definition of CRC 2"): ends with a page number.
const PAGE_REF = /\S\s+(\d{1,4}|[ivxlcdm]{1,8})$/i;
const CONTENTS_TITLE = /^(table\s+of\s+)?contents$/i;

export function isLeaderEntry(text: string): boolean {
  return LEADER_ENTRY.test(text.trim());
}

/**
 * Which lines of the pages are table-of-contents or index entries: lines with
 * dot leaders among others like them, a line that such an entry continues (a
 * wrapped entry), and in a section titled "Contents" every line that ends with
 * a page number.
 */
export function contentsEntries(pages: PdfLine[][]): Set<PdfLine> {
  const entries = new Set<PdfLine>();
  const all = pages.flat();
  // A contents list or an index is a run of entries: one dotted line alone ("Timeout . . . . 30") is content.
  const leader = all.map((line) => !line.mono && isLeaderEntry(line.text));
  const inRun = (i: number) => leader[i] === true && leader.slice(Math.max(0, i - 3), i + 4).filter(Boolean).length >= 3;
  let inContents = false;
  for (const [i, line] of all.entries()) {
    if (line.mono) {
      inContents = false;
      continue;
    }
    const text = line.text.trim();
    if (CONTENTS_TITLE.test(text)) {
      inContents = true;
      continue;
    }
    const next = all[i + 1];
    if (inRun(i) || (inContents && PAGE_REF.test(text))) entries.add(line);
    else if (next && inRun(i + 1) && !/[.:;!?]$/.test(text) && text.length < 120 && Math.abs(next.size - line.size) < 0.5) entries.add(line);
    else inContents = false;
  }
  return entries;
}
