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

export function splitSections(markdown: string): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: { level: number; path: string[]; lines: string[] } = { level: 0, path: [], lines: [] };
  let fence: Fence | null = null;

  const close = () => {
    const content = trimBlankLines(current.lines.join('\n'));
    if (content.trim()) sections.push({ level: current.level, headingPath: current.path, content });
  };

  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      current.lines.push(line);
      continue;
    }
    const heading = atxHeading(line);
    if (heading) {
      close();
      while (stack.length && stack[stack.length - 1]!.level >= heading.level) stack.pop();
      stack.push(heading);
      current = { level: heading.level, path: stack.map((h) => h.text), lines: [line] };
      continue;
    }
    fence = openingFence(line);
    current.lines.push(line);
  }
  close();
  return sections;
}
