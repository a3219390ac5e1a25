import { codeLanguage } from './code-language';
import { type AnyNode, BLOCK_TAGS, CONTROL_CHARS, collapseWhitespace, type Element, HEADING_LEVEL, hasDescendant, isElement, textOf } from './dom';
import { headingId } from './heading-anchor';
import { MAX_DEPTH } from './html-page-scan';
import { codeSpan, escapeInline, escapeLineStart, fencedCode, markdownUrl } from './markdown-escape';
import { isLayoutTable, renderTable } from './markdown-table';

// Walks the cleaned htmlparser2 tree and writes Markdown: blocks separated by
// one blank line, inline runs collapsed like a browser would collapse them.

export type HeadingAnchor = { id: string; text: string; level: number };

export type RenderContext = {
  skip: ReadonlySet<AnyNode>;
  /** Absolute URL for an href, or null when it cannot be a Markdown link. */
  resolve: (href: string) => string | null;
  anchors: HeadingAnchor[];
};

type Flags = { inTable: boolean; inLink: boolean; strong: boolean; em: boolean };
type Block = { kind: 'para' | 'list' | 'other'; text: string };

const WRAPPERS = new Set(['a', 'strong', 'b', 'em', 'i', 'del', 's', 'strike', 'code', 'kbd', 'samp', 'tt']);
const CODE_TAGS = new Set(['code', 'kbd', 'samp', 'tt']);

class BlockWriter {
  readonly blocks: Block[] = [];
  private inline = '';

  text(s: string): void {
    this.inline += s;
  }

  flush(): void {
    if (!this.inline) return;
    const raw = this.inline;
    this.inline = '';
    // `\n` in the inline run only comes from <br>.
    const text = raw
      .replace(/ {2,}/g, ' ')
      .split('\n')
      .map((l) => escapeLineStart(l.trim()))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (text) this.blocks.push({ kind: 'para', text });
  }

  block(kind: Block['kind'], text: string): void {
    this.flush();
    if (text.trim()) this.blocks.push({ kind, text });
  }
}

export function renderMarkdown(root: AnyNode, ctx: RenderContext): string {
  return joinBlocks(renderBlocks(root.type === 'root' || isElement(root) ? (root as Element).children : [], ctx, plain(), 0), false);
}

function plain(): Flags {
  return { inTable: false, inLink: false, strong: false, em: false };
}

function renderBlocks(nodes: AnyNode[], ctx: RenderContext, flags: Flags, depth: number): Block[] {
  const w = new BlockWriter();
  for (const n of nodes) walk(n, w, ctx, flags, depth);
  w.flush();
  return w.blocks;
}

/** Blank line between blocks; in a one-paragraph list item a sub-list hugs the paragraph. */
function joinBlocks(blocks: Block[], inListItem: boolean): string {
  const tight = inListItem && blocks.filter((b) => b.kind !== 'list').length <= 1;
  let out = '';
  blocks.forEach((b, i) => {
    if (i > 0) out += tight && b.kind === 'list' && blocks[i - 1]!.kind === 'para' ? '\n' : '\n\n';
    out += b.text;
  });
  return out;
}

function walk(node: AnyNode, w: BlockWriter, ctx: RenderContext, flags: Flags, depth: number): void {
  if (node.type === 'text') {
    w.text(inlineText(node.data, flags));
    return;
  }
  if (node.type === 'cdata') {
    for (const c of node.children) walk(c, w, ctx, flags, depth);
    return;
  }
  if (node.type !== 'tag' || ctx.skip.has(node)) return;
  if (depth > MAX_DEPTH) {
    w.text(inlineText(textOf(node, ctx.skip), flags));
    return;
  }
  const el = node;
  const name = el.name;
  const level = HEADING_LEVEL[name];
  if (level !== undefined) {
    heading(el, level, w, ctx, flags, depth);
    return;
  }
  switch (name) {
    case 'ul':
    case 'ol':
    case 'menu':
      w.block('list', list(el, ctx, flags, depth));
      return;
    case 'pre':
      w.block('other', pre(el, ctx, flags));
      return;
    case 'table':
      if (isLayoutTable(el, ctx.skip)) break;
      w.block(
        'other',
        renderTable(el, ctx.skip, (cell) => cellText(cell, ctx, depth)),
      );
      return;
    case 'blockquote': {
      const inner = joinBlocks(renderBlocks(el.children, ctx, flags, depth + 1), false);
      w.block(
        'other',
        inner
          .split('\n')
          .map((l) => (l ? `> ${l}` : '>'))
          .join('\n'),
      );
      return;
    }
    case 'hr':
      if (flags.inTable) w.flush();
      else w.block('other', '---');
      return;
    case 'br':
    case 'img':
    case 'input':
    case 'math':
      w.text(inlineElement(el, ctx, flags));
      return;
  }
  if (WRAPPERS.has(name)) {
    // A link or emphasis wrapped around blocks (card grids) cannot stay inline.
    if (!hasDescendant(el, (e) => BLOCK_TAGS.has(e.name), ctx.skip)) {
      w.text(inlineElement(el, ctx, flags));
      return;
    }
  }
  const isBlock = BLOCK_TAGS.has(name);
  if (isBlock) w.flush();
  for (const c of el.children) walk(c, w, ctx, flags, depth + 1);
  if (isBlock) w.flush();
}

/**
 * Where a heading's own text ends: at the first block after some text. A heading left open (`<h2>Install<p>Run…`, no
 * `</h2>`) holds the rest of its section, which would otherwise all become one heading line. A heading whose text sits
 * in a block of its own (`<h2><div>Title</div></h2>`) is left whole.
 */
function headingEnd(el: Element, skip: ReadonlySet<AnyNode>): number {
  let text = false;
  for (const [i, c] of el.children.entries()) {
    if (c.type === 'text') text ||= collapseWhitespace(c.data) !== '';
    else if (c.type === 'tag' && !skip.has(c)) {
      if (text && (BLOCK_TAGS.has(c.name) || HEADING_LEVEL[c.name] !== undefined)) return i;
      text ||= collapseWhitespace(textOf(c, skip)) !== '';
    }
  }
  return el.children.length;
}

/** A heading's own text, without what an unclosed heading swallowed after it. */
export function headingText(el: Element, skip: ReadonlySet<AnyNode> = new Set()): string {
  return collapseWhitespace(
    el.children
      .slice(0, headingEnd(el, skip))
      .map((c) => textOf(c, skip))
      .join(''),
  );
}

function heading(el: Element, level: number, w: BlockWriter, ctx: RenderContext, flags: Flags, depth: number): void {
  const end = headingEnd(el, ctx.skip);
  const own = el.children.slice(0, end);
  const text = collapseWhitespace(inlineOf(own, ctx, flags));
  if (text) {
    ctx.anchors.push({ id: headingId(el, own), text: headingText(el, ctx.skip), level });
    if (flags.inTable) w.block('para', `**${text}**`);
    // A trailing " #" would be read as the optional closing sequence.
    else w.block('other', `${'#'.repeat(level)} ${text.replace(/(\s)(#+)$/, '$1\\$2')}`);
  }
  if (end < el.children.length) {
    w.flush();
    for (const c of el.children.slice(end)) walk(c, w, ctx, flags, depth + 1);
    w.flush();
  }
}

function list(el: Element, ctx: RenderContext, flags: Flags, depth: number): string {
  const ordered = el.name === 'ol';
  const start = Number.parseInt(el.attribs.start ?? '1', 10);
  let n = Number.isFinite(start) ? start : 1;
  const items: string[] = [];
  let indent = '  ';
  const indented = (lines: string[]) => lines.map((l) => (l ? indent + l : ''));
  for (const child of el.children) {
    if (!isElement(child) || ctx.skip.has(child)) {
      if (child.type === 'text' && child.data.trim()) items.push(`- ${inlineText(child.data, flags).trim()}`);
      continue;
    }
    const nested = child.name === 'ul' || child.name === 'ol';
    const body = joinBlocks(renderBlocks(child.name === 'li' ? child.children : [child], ctx, flags, depth + 1), true);
    if (!body.trim()) {
      if (child.name === 'li') n++;
      continue;
    }
    // <ul><li>a</li><ul>…</ul></ul> is invalid but common: nest it under "a".
    if (nested && items.length) {
      items[items.length - 1] += `\n${indented(body.split('\n')).join('\n')}`;
      continue;
    }
    const marker = ordered ? `${n}.` : '-';
    if (child.name === 'li') n++;
    indent = ' '.repeat(marker.length + 1);
    const [first, ...rest] = body.split('\n');
    items.push([`${marker} ${first}`, ...indented(rest)].join('\n'));
  }
  return items.join('\n');
}

function pre(el: Element, ctx: RenderContext, flags: Flags): string {
  // HTML drops one newline right after <pre>; trailing whitespace is layout.
  const code = textOf(el, ctx.skip, true)
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_CHARS, '')
    .replace(/\u00a0/g, ' ')
    .replace(/^\n/, '')
    .trimEnd();
  if (!code.trim()) return '';
  if (flags.inTable) return code.split('\n').map(codeSpan).filter(Boolean).join('\n');
  return fencedCode(code, codeLanguage(el));
}

function cellText(cell: Element, ctx: RenderContext, depth: number): string {
  const blocks = renderBlocks(cell.children, ctx, { ...plain(), inTable: true }, depth + 1);
  return blocks
    .map((b) => b.text)
    .join('\n')
    .replace(/\n+/g, '<br>');
}

// Whitespace runs become one space; zero-width characters and controls vanish.
const INVISIBLE = /[\s\u200b\ufeff\u0000-\u0008\u000e-\u001f\u007f]+/g;
const VISIBLE_SPACE = /[^\u200b\ufeff\u0000-\u0008\u000e-\u001f\u007f]/;

function inlineText(data: string, flags: Flags): string {
  const text = data.replace(INVISIBLE, (run) => (VISIBLE_SPACE.test(run) ? ' ' : ''));
  return escapeInline(text, flags.inLink);
}

// Inline elements nest by recursion; past this depth (5,000 nested <b> in the
// wild) the rest is taken as plain text. Rendering is synchronous, so one
// counter for the module is enough.
const MAX_INLINE_DEPTH = 200;
let inlineDepth = 0;

function inlineChildren(el: Element, ctx: RenderContext, flags: Flags): string {
  if (inlineDepth >= MAX_INLINE_DEPTH) return inlineText(textOf(el, ctx.skip), flags);
  return inlineOf(el.children, ctx, flags);
}

function inlineOf(nodes: AnyNode[], ctx: RenderContext, flags: Flags): string {
  if (inlineDepth >= MAX_INLINE_DEPTH) return inlineText(nodes.map((c) => textOf(c, ctx.skip)).join(''), flags);
  inlineDepth++;
  try {
    let out = '';
    for (const c of nodes) {
      if (c.type === 'text') out += inlineText(c.data, flags);
      else if (c.type === 'tag' && !ctx.skip.has(c)) out += inlineElement(c, ctx, flags);
    }
    return out;
  } finally {
    inlineDepth--;
  }
}

/** Leading whitespace, core, trailing whitespace (no regex: long runs made /^(\s*)…(\s*)$/ quadratic). */
function flanks(content: string): [string, string, string] {
  const core = content.trim();
  if (!core) return [content, '', ''];
  const start = content.length - content.trimStart().length;
  return [content.slice(0, start), core, content.slice(start + core.length)];
}

/** Moves flanking spaces outside the markers: `** x **` does not render as bold. */
function wrap(content: string, marker: string): string {
  const [lead, core, trail] = flanks(content);
  return core ? `${lead}${marker}${core}${marker}${trail}` : content;
}

function inlineElement(el: Element, ctx: RenderContext, flags: Flags): string {
  const name = el.name;
  if (CODE_TAGS.has(name)) return codeSpan(textOf(el, ctx.skip));
  switch (name) {
    case 'br':
      return '\n';
    case 'img': {
      const alt = collapseWhitespace(el.attribs.alt ?? '');
      return alt ? escapeInline(alt, flags.inLink) : '';
    }
    case 'input':
      return el.attribs.type === 'checkbox' && inListItem(el) ? (el.attribs.checked !== undefined ? '[x] ' : '[ ] ') : '';
    case 'math':
      return math(el, ctx);
    case 'a':
      return link(el, ctx, flags);
    case 'strong':
    case 'b':
      return flags.strong ? inlineChildren(el, ctx, flags) : wrap(inlineChildren(el, ctx, { ...flags, strong: true }), '**');
    case 'em':
    case 'i':
      return flags.em ? inlineChildren(el, ctx, flags) : wrap(inlineChildren(el, ctx, { ...flags, em: true }), '*');
    case 'del':
    case 's':
    case 'strike':
      return wrap(inlineChildren(el, ctx, flags), '~~');
    case 'pre':
      return ` ${codeSpan(textOf(el, ctx.skip))} `;
  }
  const inner = inlineChildren(el, ctx, flags);
  return BLOCK_TAGS.has(name) ? ` ${inner} ` : inner;
}

/** Task-list checkboxes sit in the <li>, or in a <label>/<span> inside it (MkDocs). */
function inListItem(el: Element): boolean {
  const parent = el.parent && isElement(el.parent) ? el.parent : null;
  if (parent?.name === 'li') return true;
  const grand = parent?.parent && isElement(parent.parent) ? parent.parent : null;
  return (parent?.name === 'label' || parent?.name === 'span') && grand?.name === 'li';
}

function link(el: Element, ctx: RenderContext, flags: Flags): string {
  if (flags.inLink) return inlineChildren(el, ctx, flags);
  const content = inlineChildren(el, ctx, { ...flags, inLink: true }).replace(/\n/g, ' ');
  const href = el.attribs.href;
  const url = href === undefined ? null : ctx.resolve(href);
  if (!url || !content.trim()) return content;
  const [lead, core, trail] = flanks(content);
  return `${lead}[${core}](${markdownUrl(url)})${trail}`;
}

/** MathML: the TeX source when the page ships it (KaTeX, MathJax), else the text. */
function math(el: Element, ctx: RenderContext): string {
  let tex: string | null = null;
  hasDescendant(el, (e) => {
    if (e.name === 'annotation' && e.attribs.encoding === 'application/x-tex') tex = textOf(e).trim();
    return tex !== null;
  });
  if (tex) return `$${tex}$`;
  return escapeInline(collapseWhitespace(textOf(el, ctx.skip)));
}
