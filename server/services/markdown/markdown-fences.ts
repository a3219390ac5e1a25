// Code-fence recognition shared by the converter's tidy pass and the chunker.
// Fences are recognised at any indentation, since fences inside list items
// are indented by the list marker's width.

export type Fence = { char: '`' | '~'; length: number };

const OPENING = /^\s*(`{3,}|~{3,})(.*)$/;
const CLOSING = /^\s*(`{3,}|~{3,})\s*$/;

export function openingFence(line: string): Fence | null {
  const m = OPENING.exec(line);
  if (!m) return null;
  const run = m[1]!;
  // A backtick fence's info string cannot contain backticks (that is inline code).
  if (run[0] === '`' && m[2]!.includes('`')) return null;
  return { char: run[0] as Fence['char'], length: run.length };
}

export function closesFence(line: string, fence: Fence): boolean {
  const m = CLOSING.exec(line);
  return m !== null && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

/** Collapses runs of blank lines to one, leaving code blocks untouched. */
export function collapseBlankLines(markdown: string): string {
  const out: string[] = [];
  let fence: Fence | null = null;
  let blank = 0;
  for (const line of markdown.split('\n')) {
    if (fence) {
      out.push(line);
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    if (!line.trim()) {
      if (++blank === 1) out.push('');
      continue;
    }
    blank = 0;
    fence = openingFence(line);
    out.push(line.trimEnd());
  }
  return out.join('\n').trim();
}
