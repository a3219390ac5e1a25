import { collapseWhitespace, type Element, isElement, textOf } from './dom';

// Where a heading's link target lives differs per generator: on the heading
// (Docusaurus, MkDocs), on an element inside it (<a name>, MediaWiki's span),
// on an empty <a> just before it, or on the section that the heading opens
// (Sphinx <section id>, DocBook div.sect1 four levels up).

const ANCESTOR_LEVELS = 5;
const NOT_A_SECTION = new Set(['body', 'html']);

function ownId(el: Element): string | undefined {
  return el.attribs.id || (el.name === 'a' ? el.attribs.name : undefined) || undefined;
}

function firstWithId(children: Element['children']): Element | null {
  let fallback: Element | null = null;
  const stack: Element[] = children.filter(isElement).reverse();
  while (stack.length) {
    const cur = stack.pop()!;
    for (let i = cur.children.length - 1; i >= 0; i--) {
      const c = cur.children[i]!;
      if (isElement(c)) stack.push(c);
    }
    if (!ownId(cur)) continue;
    if (cur.name === 'a') return cur;
    fallback ??= cur;
  }
  return fallback;
}

function isEmpty(node: Element['children'][number]): boolean {
  if (node.type === 'text') return !node.data.trim();
  if (node.type === 'comment' || node.type === 'directive') return true;
  return isElement(node) && !textOf(node).trim();
}

function previousElement(el: Element): Element | null {
  for (let n = el.prev; n; n = n.prev) {
    if (isElement(n)) return n;
    if (!isEmpty(n)) return null;
  }
  return null;
}

/** Nothing but whitespace, comments or empty elements before `child` in `parent`. */
function opens(parent: Element, child: Element): boolean {
  for (const n of parent.children) {
    if (n === child) return true;
    if (!isEmpty(n)) return false;
  }
  return false;
}

/**
 * The fragment that links to this heading, or '' when the page has none. `children` are the heading's own (a heading
 * left open holds the blocks after it too, whose ids are not its).
 */
export function headingId(h: Element, children: Element['children'] = h.children): string {
  const own = h.attribs.id;
  if (own) return own;
  const inner = firstWithId(children);
  if (inner) return ownId(inner)!;
  const prev = previousElement(h);
  if (prev && prev.name === 'a' && ownId(prev) && !textOf(prev).trim()) return ownId(prev)!;
  let node = h;
  for (let i = 0; i < ANCESTOR_LEVELS; i++) {
    const parent = node.parent;
    if (!parent || !isElement(parent) || NOT_A_SECTION.has(parent.name) || !opens(parent, node)) break;
    if (parent.attribs.id) return parent.attribs.id;
    node = parent;
  }
  // Last resort: the permalink that the page put inside the heading.
  const stack: Element[] = children.filter(isElement);
  while (stack.length) {
    const cur = stack.pop()!;
    const href = cur.name === 'a' ? cur.attribs.href : undefined;
    if (href?.startsWith('#') && href.length > 1 && /^[\s#¶§🔗\u200b]*$/u.test(collapseWhitespace(textOf(cur)))) {
      return decodeFragment(href.slice(1));
    }
    for (const c of cur.children) if (isElement(c)) stack.push(c);
  }
  return '';
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
