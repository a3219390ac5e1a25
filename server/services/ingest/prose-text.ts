// Small helpers that turn Markdown prose into plain sentences, shared by the
// deterministic code-example names/summaries and source summaries.

import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';

const IMAGE = /!\[[^\]]*\]\([^)]*\)/g;
// [^\][]: a run of "[" must not make every "[" scan to the line's end.
const LINK = /\[([^\][]*)\]\([^)]*\)/g;
const HTML_TAG = /<\/?[A-Za-z][^>]*>/g;
const STRONG = /(\*\*|__)(?=\S)(.+?)\1/g;
// Single * or _ emphasis only at word edges, so snake_case names survive.
const EMPHASIS = /(^|[\s(])[*_](?=\S)([^*_]+?)[*_](?=[\s).,;:!?]|$)/g;
const CODE_SPAN = /`+([^`]+)`+/g;

/** Inline Markdown to plain text: links keep their text, images and tags go, whitespace collapses. */
export function plainInline(text: string): string {
  return text
    .replace(IMAGE, '')
    .replace(LINK, '$1')
    .replace(HTML_TAG, '')
    .replace(STRONG, '$2')
    .replace(EMPHASIS, '$1$2')
    .replace(CODE_SPAN, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Sentences of plain text. A boundary is . ! ? followed by space and a capital,
 * digit or quote, so "e.g. foo" and "v1.2" do not split.
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"'(`[])/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** As many whole sentences as fit in `max` chars; one over-long sentence is cut at a word and ends with "…". */
export function trimToSentences(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let out = '';
  for (const sentence of splitSentences(flat)) {
    const next = out ? `${out} ${sentence}` : sentence;
    if (next.length > max) break;
    out = next;
  }
  if (out) return out;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

// Lines that carry no prose: headings, table rows, rules, HTML, and link or image lists (navigation, badges).
const NOT_PROSE = /^\s*(#{1,6}\s|\||[-*_=]{3,}\s*$|<)/;
const ONLY_LINKS = /^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:!?\[[^\]]*\]\([^)]*\)[\s,|·•-]*)+$/;
const LIST_OR_QUOTE = /^\s*(?:>\s?)*(?:[-*+]\s+|\d+[.)]\s+)?/;

/**
 * The opening paragraphs of a Markdown document as plain text, whole
 * sentences up to `max` chars: what a reader sees first, without headings,
 * code, tables or link lists.
 */
export function leadParagraphs(markdown: string, max: number): string {
  const paragraphs: string[] = [];
  let length = 0;
  let current: string[] = [];
  let fence: Fence | null = null;
  const end = () => {
    const text = plainInline(current.join(' '));
    current = [];
    // A fragment of a few words is a caption or a label, not a paragraph.
    if (text.split(' ').length < 4) return;
    paragraphs.push(text);
    length += text.length + 1;
  };
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    fence = openingFence(line);
    if (fence || !line.trim() || NOT_PROSE.test(line) || ONLY_LINKS.test(line)) {
      end();
      if (length > max) break;
      continue;
    }
    current.push(line.replace(LIST_OR_QUOTE, ''));
  }
  end();
  return trimToSentences(paragraphs.join(' '), max);
}
