import type { ReactNode } from 'react';

// Matched words are marked by splitting the text and wrapping the matches in
// <mark>: the text stays text nodes all the way, so nothing in a crawled page
// can become markup here, whatever it contains.

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** At most this many terms go into one pattern; the server sends them longest first. */
const MAX_TERMS = 200;

/** A pattern for whole-word matches of `terms`, any case, or null when there is nothing to find. */
export function termPattern(terms: readonly string[] | undefined): RegExp | null {
  const usable = (terms ?? []).filter((t) => t.length > 0).slice(0, MAX_TERMS);
  if (usable.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${usable.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** `text` with every match of `pattern` in a <mark>. */
export function Highlighted({ text, pattern }: { text: string; pattern: RegExp | null }): ReactNode {
  if (!pattern) return text;
  const parts: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index ?? 0;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <mark
        key={start}
        className="rounded-[3px] bg-warning-subtle px-0.5 font-medium text-foreground ring-1 ring-warning/40 ring-inset dark:ring-warning/20"
      >
        {m[0]}
      </mark>,
    );
    last = start + m[0].length;
  }
  if (last === 0) return text;
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/**
 * A chunk's Markdown as reading text: fences, heading marks, emphasis, link
 * and image syntax dropped (their text kept), whitespace collapsed. For a
 * snippet, not for rendering: the result is still shown as plain text.
 */
export function plainText(markdown: string): string {
  return markdown
    .replace(/^\s*(```|~~~).*$/gm, ' ')
    .replace(/^\s{0,3}#{1,6}\s+(.+?)\s*$/gm, '$1 —')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/^\s*>\s?/gm, '')
    .replace(/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*$/gm, ' ')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * About `length` characters of `text` around its first match, on word
 * boundaries, with an ellipsis where it was cut; the start when nothing matches.
 */
export function snippet(text: string, pattern: RegExp | null, length = 320): string {
  if (text.length <= length) return text;
  let start = 0;
  if (pattern) {
    pattern.lastIndex = 0;
    const first = pattern.exec(text);
    pattern.lastIndex = 0;
    if (first && first.index > length / 3) start = first.index - Math.floor(length / 4);
  }
  start = Math.min(start, text.length - length);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space === -1 || space - start > 30 ? start : space + 1;
  }
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + length / 2) end = space;
  }
  return `${start > 0 ? '… ' : ''}${text.slice(start, end)}${end < text.length ? ' …' : ''}`;
}
