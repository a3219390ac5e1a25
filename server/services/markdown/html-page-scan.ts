import { type AnyNode, classTokens, type Element, isElement } from './dom';

// One pass over the whole document collects what the converter needs before
// any boilerplate is dropped: metadata, every link (nav links still drive
// crawling) and the text size of each main-content candidate.

export type PageScan = {
  title: string | null;
  ogTitle: string | null;
  description: string | null;
  ogDescription: string | null;
  baseHref: string | null;
  hrefs: string[];
  body: Element | null;
  firstH1: Element | null;
  candidates: { el: Element; rank: number; length: number }[];
  bodyLength: number;
};

/** Never content; their text does not count towards any element's size. */
export const JUNK_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'svg',
  'canvas',
  'object',
  'embed',
  'video',
  'audio',
  'button',
  'select',
  'textarea',
  'head',
  'link',
  'meta',
]);

// Candidate roots in order of preference (lower rank wins).
const CANDIDATE_CLASSES = ['markdown-body', 'theme-doc-markdown', 'md-content', 'rst-content', 'document'];
const RANK_COUNT = 10;

// Deeper markup is not worth walking; it also keeps recursion far from the stack limit.
export const MAX_DEPTH = 1000;

function candidateRank(el: Element): number {
  if (el.name === 'main') return 0;
  if (el.name === 'article') return 1;
  if (el.attribs.role === 'main') return 2;
  const tokens = classTokens(el.attribs.class);
  if (tokens.length) {
    for (let i = 0; i < CANDIDATE_CLASSES.length; i++) if (tokens.includes(CANDIDATE_CLASSES[i]!)) return 3 + i;
  }
  if (el.attribs.id === 'content') return 8;
  if (tokens.includes('content')) return 9;
  return -1;
}

export function scanPage(doc: AnyNode): PageScan {
  const scan: PageScan = {
    title: null,
    ogTitle: null,
    description: null,
    ogDescription: null,
    baseHref: null,
    hrefs: [],
    body: null,
    firstH1: null,
    candidates: [],
    bodyLength: 0,
  };

  const visit = (node: AnyNode, depth: number, junk: boolean, inSvg: boolean): number => {
    if (node.type === 'text') return junk ? 0 : node.data.trim().length;
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style' && node.type !== 'root') return 0;
    if (depth > MAX_DEPTH) return 0;
    let el: Element | null = null;
    if (isElement(node)) {
      el = node;
      const name = el.name;
      if (name === 'a') {
        const href = el.attribs.href;
        if (href !== undefined) scan.hrefs.push(href);
      } else if (name === 'title' && !inSvg && scan.title === null) {
        scan.title = el.children.map((c) => (c.type === 'text' ? c.data : '')).join('');
      } else if (name === 'meta') {
        readMeta(el, scan);
      } else if (name === 'base' && scan.baseHref === null && el.attribs.href) {
        scan.baseHref = el.attribs.href;
      } else if (name === 'body' && !scan.body) {
        scan.body = el;
      } else if (name === 'h1' && !scan.firstH1 && !junk) {
        scan.firstH1 = el;
      }
      if (JUNK_TAGS.has(name)) junk = true;
      if (name === 'svg') inSvg = true;
    }
    let length = 0;
    for (const child of (node as Element).children) length += visit(child, depth + 1, junk, inSvg);
    if (el && !junk) {
      const rank = candidateRank(el);
      if (rank >= 0) scan.candidates.push({ el, rank, length });
      if (el === scan.body) scan.bodyLength = length;
    }
    return length;
  };
  const total = visit(doc, 0, false, false);
  if (!scan.body) scan.bodyLength = total;
  return scan;
}

function readMeta(el: Element, scan: PageScan): void {
  const key = (el.attribs.name ?? el.attribs.property ?? '').trim().toLowerCase();
  const content = el.attribs.content;
  if (content === undefined || !content.trim()) return;
  if (key === 'description' && scan.description === null) scan.description = content;
  else if (key === 'og:description' && scan.ogDescription === null) scan.ogDescription = content;
  else if (key === 'og:title' && scan.ogTitle === null) scan.ogTitle = content;
}

/**
 * The first candidate kind (main, article, [role=main], known doc-theme
 * classes, #content, .content) whose largest match holds at least 20% of the
 * body text. A tiny `main` (a hero banner, say) must not hide the real page.
 */
export function chooseContentRoot(scan: PageScan, doc: AnyNode): AnyNode {
  const fallback = scan.body ?? doc;
  if (scan.bodyLength === 0) return fallback;
  const best: ({ el: Element; length: number } | undefined)[] = new Array(RANK_COUNT);
  for (const c of scan.candidates) {
    const current = best[c.rank];
    if (!current || c.length > current.length) best[c.rank] = c;
  }
  for (const [rank, c] of best.entries()) {
    if (!c || c.length === 0 || c.length < 0.2 * scan.bodyLength) continue;
    // Several of a kind side by side (a changelog's or a listing's <article>s): the content is all of them, not the
    // longest, which alone dropped the others and the heading above them.
    const peers = outermost(scan.candidates.filter((o) => o.rank === rank));
    const total = peers.reduce((n, p) => n + p.length, 0);
    if (peers.length > 1 && c.length < PEERS_SHARE * total) return commonAncestor(peers.map((p) => p.el)) ?? fallback;
    return c.el;
  }
  return fallback;
}

/** Below this share of the text its kind holds, the largest candidate stands for its peers' common ancestor. */
const PEERS_SHARE = 0.8;

/** The candidates not inside another of the list (an <article> within an <article> is part of it). */
function outermost<T extends { el: Element }>(list: T[]): T[] {
  const els = new Set(list.map((c) => c.el));
  return list.filter((c) => {
    for (let n = c.el.parent; n; n = n.parent) if (els.has(n as Element)) return false;
    return true;
  });
}

/** The nearest element that holds all of `els`, or null when only the document does. */
function commonAncestor(els: Element[]): Element | null {
  const chain = (el: Element) => {
    const out: Element[] = [];
    for (let n: AnyNode | null = el; n; n = n.parent) if (isElement(n)) out.unshift(n);
    return out;
  };
  let common = chain(els[0]!);
  for (const el of els.slice(1)) {
    const other = chain(el);
    let i = 0;
    while (i < common.length && i < other.length && common[i] === other[i]) i++;
    common = common.slice(0, i);
  }
  return common.at(-1) ?? null;
}
