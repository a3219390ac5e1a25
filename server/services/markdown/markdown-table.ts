import { type AnyNode, childElements, type Element, hasDescendant } from './dom';

// HTML tables to GFM tables. Cells are rendered by the caller (so links, code
// and emphasis survive) and arrive as single-line Markdown with <br> for line
// breaks: the one bit of HTML a GFM cell cannot do without.

const MAX_SPAN = 50;

type Cell = { el: Element; text: string };

function rowsOf(table: Element): Element[] {
  const rows: Element[] = [];
  for (const child of childElements(table)) {
    if (child.name === 'tr') rows.push(child);
    else if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') {
      for (const tr of childElements(child)) if (tr.name === 'tr') rows.push(tr);
    }
  }
  return rows;
}

function cellsOf(tr: Element, skip: ReadonlySet<AnyNode>): Element[] {
  return childElements(tr).filter((c) => (c.name === 'td' || c.name === 'th') && !skip.has(c));
}

function span(el: Element, name: 'colspan' | 'rowspan'): number {
  const n = Number.parseInt(el.attribs[name] ?? '1', 10);
  return Number.isFinite(n) && n > 1 ? Math.min(n, MAX_SPAN) : 1;
}

function alignment(el: Element | undefined): string {
  if (!el) return '---';
  const value = (el.attribs.align ?? /text-align\s*:\s*(\w+)/i.exec(el.attribs.style ?? '')?.[1] ?? '').toLowerCase();
  if (value === 'left') return ':---';
  if (value === 'right') return '---:';
  if (value === 'center') return ':---:';
  return '---';
}

/**
 * True for tables used for layout rather than data: no rows, a single cell,
 * or a table inside a cell. Their cells are rendered as ordinary blocks.
 */
export function isLayoutTable(table: Element, skip: ReadonlySet<AnyNode>): boolean {
  const rows = rowsOf(table).filter((r) => !skip.has(r));
  if (rows.length === 0) return true;
  if (rows.length === 1 && cellsOf(rows[0]!, skip).length <= 1) return true;
  return hasDescendant(table, (e) => e.name === 'table', skip);
}

/** Renders a data table; `renderCell` turns a cell's content into one line of Markdown. */
export function renderTable(table: Element, skip: ReadonlySet<AnyNode>, renderCell: (cell: Element) => string): string {
  const trs = rowsOf(table).filter((r) => !skip.has(r));
  const grid: Cell[][] = [];
  const pending: number[] = []; // rows still covered by a rowspan, per column
  const filler = (el: Element): Cell => ({ el, text: '' });
  for (const tr of trs) {
    const row: Cell[] = [];
    let col = 0;
    const fillSpanned = () => {
      while ((pending[col] ?? 0) > 0) {
        pending[col]!--;
        row.push(filler(tr));
        col++;
      }
    };
    for (const td of cellsOf(tr, skip)) {
      fillSpanned();
      const colspan = span(td, 'colspan');
      const rowspan = span(td, 'rowspan');
      row.push({ el: td, text: escapeCell(renderCell(td)) });
      for (let k = 1; k < colspan; k++) row.push(filler(td));
      if (rowspan > 1) for (let k = 0; k < colspan; k++) pending[col + k] = rowspan - 1;
      col += colspan;
    }
    while (col < pending.length) {
      if ((pending[col] ?? 0) > 0) {
        pending[col]!--;
        row.push(filler(tr));
      }
      col++;
    }
    grid.push(row);
  }
  const width = Math.max(1, ...grid.map((r) => r.length));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const texts = (row: Cell[]) => Array.from({ length: width }, (_, i) => row[i]?.text || ' ');

  // GFM needs a header row; a table without one uses its first row, which in
  // practice is almost always a header styled with <td>.
  const [head, ...body] = grid;
  const out = [line(texts(head ?? [])), line(Array.from({ length: width }, (_, i) => alignment(head?.[i]?.el)))];
  for (const row of body) out.push(line(texts(row)));

  const caption = childElements(table).find((c) => c.name === 'caption' && !skip.has(c));
  const captionText = caption ? renderCell(caption).trim() : '';
  return captionText ? `${captionText}\n\n${out.join('\n')}` : out.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').trim();
}
