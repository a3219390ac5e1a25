import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';

// Titles for converted documents: the first top-level heading, because that
// is what a reader sees as the title; YAML front matter is metadata, not
// content, and only its `title:` is kept.

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v[0] === "'" ? v.slice(1, -1).replace(/''/g, "'") : v.slice(1, -1).replace(/\\"/g, '"');
  }
  return v.replace(/\s+#.*$/, '');
}

/** Markdown without a leading YAML front matter block, and that block's `title:` if it has one. */
export function stripFrontMatter(markdown: string): { markdown: string; title: string | null } {
  const m = FRONT_MATTER.exec(markdown);
  if (!m) return { markdown, title: null };
  const title = /^title:[ \t]*(.+)$/m.exec(m[1]!);
  return { markdown: markdown.slice(m[0].length).replace(/^\n+/, ''), title: title ? unquote(title[1]!) || null : null };
}

/** Heading text as plain text: no emphasis, code or link syntax. */
function plain(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(`+)(.*?)\1/g, '$2')
    .replace(/(\*\*|__|\*|_)(\S.*?\S|\S)\1/g, '$2')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text of the first level-1 heading (ATX or setext) outside code blocks, or null. */
export function firstH1(markdown: string): string | null {
  const lines = markdown.split('\n');
  let fence: Fence | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    fence = openingFence(line);
    if (fence) continue;
    const atx = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx && plain(atx[1]!)) return plain(atx[1]!);
    const next = lines[i + 1];
    if (line.trim() && next !== undefined && /^ {0,3}=+[ \t]*$/.test(next) && !/^ {4}/.test(line)) return plain(line);
  }
  return null;
}
