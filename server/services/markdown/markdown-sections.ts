import { closesFence, type Fence, openingFence } from './markdown-fences';

// Splits Markdown into heading-led sections. `#` lines inside code fences are
// code (shell and Python comments), not headings.

export type MarkdownSection = {
  /** 0 for text before the first heading, else the heading's level. */
  level: number;
  headingPath: string[];
  /** The heading line (if any) followed by the section's text, without surrounding blank lines. */
  content: string;
};

const ATX_OPEN = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
// [^\][]: a run of "[" must not make every "[" scan to the line's end.
const LINK = /\[([^\][]*)\]\([^)]*\)/g;

/** Heading level and text of an ATX heading line, or null. */
export function atxHeading(line: string): { level: number; text: string } | null {
  const m = ATX_OPEN.exec(line);
  if (!m) return null;
  let text = line.slice(m[0].length).trim();
  // An optional closing run of #s, if a space separates it ("## C#" keeps its #).
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) text = '';
  else if (end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t')) text = text.slice(0, end).trimEnd();
  // Link targets are noise in a heading path: "[Install](https://…)" → "Install".
  text = text.replace(LINK, '$1').trim();
  return text ? { level: m[1]!.length, text } : null;
}

export function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}

const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
// Lines that start a block other than a paragraph, so that a "---" after them is a thematic break, not an underline.
const OTHER_BLOCK = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|^ {0,3}>|^ {0,3}</;
const INDENTED_CODE = /^(?: {4}|\t)/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

/** Whether `content` is a heading and nothing else: one ATX line, or a setext heading's lines and underline. */
export function isHeadingOnly(content: string): boolean {
  const lines = content.split('\n');
  if (lines.length === 1) return atxHeading(content) !== null;
  return lines.slice(0, -1).every((l) => l.trim() && !SETEXT_UNDERLINE.test(l)) && setextHeading(lines.slice(0, -1), lines.at(-1)!) !== null;
}

/** Heading level and text of a setext underline below a paragraph's lines, or null. */
export function setextHeading(paragraph: string[], underline: string): { level: number; text: string } | null {
  const m = SETEXT_UNDERLINE.exec(underline);
  if (!m || paragraph.length === 0) return null;
  const text = paragraph
    .map((l) => l.trim())
    .join(' ')
    .replace(LINK, '$1')
    .trim();
  return text ? { level: m[1]![0] === '=' ? 1 : 2, text } : null;
}

export function splitSections(markdown: string): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: { level: number; path: string[]; lines: string[] } = { level: 0, path: [], lines: [] };
  let fence: Fence | null = null;
  // Where the paragraph being read began in current.lines (a setext underline makes it a heading), or null; and
  // whether a list or quote is open, whose lines cannot start one until a blank line.
  let para: number | null = null;
  let inBlock = false;

  const close = () => {
    const content = trimBlankLines(current.lines.join('\n'));
    if (content.trim()) sections.push({ level: current.level, headingPath: current.path, content });
  };
  const open = (heading: { level: number; text: string }, lines: string[]) => {
    close();
    while (stack.length && stack[stack.length - 1]!.level >= heading.level) stack.pop();
    stack.push(heading);
    current = { level: heading.level, path: stack.map((h) => h.text), lines };
    para = null;
  };

  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      current.lines.push(line);
      continue;
    }
    const heading = atxHeading(line);
    if (heading) {
      open(heading, [line]);
      continue;
    }
    if (!line.trim()) {
      para = null;
      inBlock = false;
      current.lines.push(line);
      continue;
    }
    // Only an underline looks back at the paragraph: a text of many lines and no blank one stays linear.
    const setext = para !== null && SETEXT_UNDERLINE.test(line) ? setextHeading(current.lines.slice(para), line) : null;
    if (setext) {
      const lines = current.lines.splice(para!);
      open(setext, [...lines, line]);
      continue;
    }
    fence = openingFence(line);
    if (fence || THEMATIC_BREAK.test(line)) para = null;
    else if (OTHER_BLOCK.test(line)) {
      para = null;
      inBlock = true;
    } else if (para === null && !inBlock && !INDENTED_CODE.test(line)) para = current.lines.length;
    current.lines.push(line);
  }
  close();
  return sections;
}
