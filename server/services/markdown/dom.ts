import type { AnyNode, Element } from 'domhandler';

// Helpers over the htmlparser2 tree that cheerio builds. The converter walks
// nodes directly instead of going through cheerio selections: one parse, no
// selector compilation per page, and no mutation (removed nodes go in a set).

export type { AnyNode, Element };

/** Tags that start a new block in rendered HTML. Anything else is inline. */
export const BLOCK_TAGS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

export const HEADING_LEVEL: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

export function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

export function attr(el: Element, name: string): string | undefined {
  return el.attribs[name];
}

export function classTokens(cls: string | undefined): string[] {
  return cls ? cls.split(/\s+/).filter(Boolean) : [];
}

export function childElements(el: Element): Element[] {
  return el.children.filter(isElement);
}

/** Length of the visible text below `node`, without building the string. */
export function textLength(node: AnyNode, skip?: ReadonlySet<AnyNode>): number {
  let total = 0;
  const stack: AnyNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') total += n.data.trim().length;
    else if (n.type === 'tag' || n.type === 'root' || n.type === 'cdata') {
      if (skip?.has(n)) continue;
      const kids = n.children;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return total;
}

/**
 * Text below `node` in document order. In `pre` mode `<br>` and block
 * boundaries become newlines (some highlighters emit one div per line);
 * otherwise whitespace is left for the caller to collapse.
 */
export function textOf(node: AnyNode, skip?: ReadonlySet<AnyNode>, pre = false): string {
  let out = '';
  // Iterative so that absurdly deep markup cannot overflow the stack.
  const stack: AnyNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      out += n.data;
      continue;
    }
    if (n.type !== 'tag' && n.type !== 'root' && n.type !== 'cdata') continue;
    if (skip?.has(n)) continue;
    if (n.type === 'tag') {
      if (n.name === 'br') {
        out += pre ? '\n' : ' ';
        continue;
      }
      if (pre && BLOCK_TAGS.has(n.name) && out.length > 0 && !out.endsWith('\n')) out += '\n';
    }
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** Early-exit search for an element below `el` matching `test`. */
export function hasDescendant(el: Element, test: (e: Element) => boolean, skip?: ReadonlySet<AnyNode>): boolean {
  const stack: AnyNode[] = [...el.children];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type !== 'tag' || skip?.has(n)) continue;
    if (test(n)) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** C0 controls other than tab and newlines (PostgreSQL text cannot even hold NUL). */
export const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function collapseWhitespace(s: string): string {
  return s
    .replace(CONTROL_CHARS, '')
    .replace(/[\s\u200b\ufeff]+/g, ' ')
    .trim();
}
