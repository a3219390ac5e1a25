import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import { atxHeading } from '../markdown/markdown-sections';

// llms.txt (a curated list of links) and llms-full.txt (the whole docs in one
// Markdown file), handled the way Archon v1 did.

export type LlmsLink = { url: string; title: string };
export type LlmsSection = { url: string; title: string; markdown: string };

// Links to files the crawler cannot turn into text.
const BINARY_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'svg',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'avif',
  'pdf',
  'zip',
  'tar',
  'gz',
  'tgz',
  'bz2',
  'xz',
  '7z',
  'rar',
  'jar',
  'war',
  'whl',
  'exe',
  'dmg',
  'pkg',
  'deb',
  'rpm',
  'msi',
  'apk',
  'iso',
  'bin',
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  'mp3',
  'mp4',
  'm4a',
  'wav',
  'ogg',
  'webm',
  'mov',
  'avi',
  'mkv',
  'flac',
  'wasm',
]);
// [^\][]: a run of "[" must not make every "[" scan to the line's end. The
// destination is `<…>`, or a run where parentheses balance (two levels, as in
// `Foo_(bar)`), as CommonMark allows: an unbalanced `)` ends the link.
const LINK = /(!?)\[([^\][]*)\]\(\s*(?:<([^<>\n]+)>|((?:[^()\s<>]|\((?:[^()\s<>]|\([^()\s<>]*\))*\))+))(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const BARE_URL = /^\s*(?:[-*+]\s+)?<?(https?:\/\/[^\s<>]+?)>?\s*$/;
const LISTING_NAMES = ['llms', 'links', 'resources', 'references'];
const LISTING_EXTENSIONS = ['.txt', '.md', '.mdx', '.markdown'];
const MIN_SECTION_CHARS = 200;
const SLUG_MAX = 60;

/** Lines outside code fences: links in example code are not part of a listing. */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: Fence | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    fence = openingFence(line);
    if (!fence) out.push(line);
  }
  return out;
}

function withoutFragment(url: URL): string {
  return url.href.replace(/#.*$/s, '');
}

function isBinary(url: URL): boolean {
  const ext = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return ext !== undefined && BINARY_EXTENSIONS.has(ext);
}

export function parseLlmsTxt(text: string, baseUrl: string): { title: string | null; links: LlmsLink[] } {
  const self = URL.canParse(baseUrl) ? withoutFragment(new URL(baseUrl)) : baseUrl;
  const links = new Map<string, string>();
  let title: string | null = null;
  const add = (href: string, label: string) => {
    let url: URL;
    try {
      url = new URL(href, baseUrl);
    } catch {
      return;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || isBinary(url)) return;
    const key = withoutFragment(url);
    if (key === self || links.has(key)) return;
    links.set(key, label.trim() || key);
  };
  for (const line of proseLines(text)) {
    if (title === null) {
      const h1 = atxHeading(line);
      if (h1?.level === 1) title = h1.text;
    }
    const bare = BARE_URL.exec(line);
    if (bare) {
      add(bare[1]!, '');
      continue;
    }
    for (const m of line.matchAll(LINK)) if (!m[1]) add((m[3] ?? m[4])!, m[2]!);
  }
  return { title, links: [...links].map(([url, label]) => ({ url, title: label })) };
}

/**
 * True for files that list links to crawl rather than carry content: known
 * names (llms.txt, links.txt, resources.txt, references.txt and their
 * `llms-*`-style variants, also as .md/.mdx/.markdown), or text where links
 * make up more than 2% (links per 100 characters) with more than 3 links.
 * Anything with "full" in its name is content (llms-full.txt).
 */
export function isLinkCollection(url: string, text: string): boolean {
  let filename = '';
  try {
    filename = new URL(url).pathname.split('/').pop()!.toLowerCase();
  } catch {
    filename = url.split(/[?#]/)[0]!.split('/').pop()!.toLowerCase();
  }
  if (filename.includes('full')) return false;
  const ext = LISTING_EXTENSIONS.find((e) => filename.endsWith(e));
  if (ext) {
    const stem = filename.slice(0, -ext.length);
    if (LISTING_NAMES.some((n) => stem === n || stem.startsWith(`${n}-`) || stem.startsWith(`${n}.`))) return true;
  }
  const length = text.trim().length;
  if (length === 0) return false;
  const count = parseLlmsTxt(text, url).links.length;
  return count > 3 && (count * 100) / length > 2;
}

export function slugify(heading: string): string {
  const slug = heading
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug || 'untitled';
}

function frontMatterTitle(text: string): string | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const title = m ? /^title:(.*)$/m.exec(m[1]!)?.[1]?.trim() : undefined;
  return title?.replace(/^(["'])(.*)\1$/, '$2').trim() || null;
}

/**
 * Splits llms-full.txt into one document per H1 (outside code fences), each
 * with a synthetic URL `${baseUrl}#section-${n}-${slug}`. Sections under 200
 * characters merge into the next one (the last into the previous one); text
 * before the first H1 is section 0, titled from front matter or "Introduction".
 */
export function splitLlmsFull(text: string, baseUrl: string): LlmsSection[] {
  const raw: { title: string; lines: string[] }[] = [{ title: frontMatterTitle(text) ?? 'Introduction', lines: [] }];
  let fence: Fence | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
    } else if ((fence = openingFence(line)) === null) {
      const h1 = line.startsWith('# ') ? atxHeading(line) : null;
      if (h1) {
        raw.push({ title: h1.text, lines: [line] });
        continue;
      }
    }
    raw[raw.length - 1]!.lines.push(line);
  }

  let sections = raw.map((s) => ({ title: s.title, markdown: s.lines.join('\n').trim() })).filter((s) => s.markdown);
  const merged: typeof sections = [];
  let carry = '';
  for (const s of sections) {
    const markdown = carry ? `${carry}\n\n${s.markdown}` : s.markdown;
    if (markdown.length < MIN_SECTION_CHARS) {
      carry = markdown;
      continue;
    }
    carry = '';
    merged.push({ title: s.title, markdown });
  }
  if (carry) {
    const last = merged.pop();
    merged.push(last ? { title: last.title, markdown: `${last.markdown}\n\n${carry}` } : { title: sections.at(-1)!.title, markdown: carry });
  }
  sections = merged;

  const base = baseUrl.replace(/#.*$/s, '');
  return sections.map((s, n) => ({ url: `${base}#section-${n}-${slugify(s.title)}`, title: s.title, markdown: s.markdown }));
}
