import { type AnyNode, classTokens, collapseWhitespace, type Element, HEADING_LEVEL, hasDescendant, isElement, textLength, textOf } from './dom';
import { JUNK_TAGS, MAX_DEPTH } from './html-page-scan';

// Decides which elements below the content root are not content. Matching is
// on whole class tokens only: substring rules such as [class*=nav] would also
// hit DocBook's div.navheader siblings and worse, so each known theme's
// classes are listed instead.

const BOILERPLATE_TAGS = new Set(['nav', 'footer', 'aside', 'header']);
const BOILERPLATE_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search']);
const BOILERPLATE_CLASSES = new Set([
  // generic
  'sidebar',
  'toc',
  'table-of-contents',
  'breadcrumb',
  'breadcrumbs',
  'navbar',
  'pagination',
  'pagination-nav',
  'edit-this-page',
  'headerlink',
  'hash-link',
  'skip-link',
  'sr-only',
  'visually-hidden',
  'footer',
  'cookie-banner',
  'cookie-consent',
  'cookie-notice',
  // DocBook (PostgreSQL manual)
  'navheader',
  'navfooter',
  // Docusaurus
  'theme-edit-this-page',
  'theme-doc-toc-mobile',
  'theme-doc-toc-desktop',
  'theme-doc-breadcrumbs',
  'theme-doc-footer',
  // MkDocs Material
  'md-sidebar',
  'md-header',
  'md-footer',
  'md-content__button',
  'md-skip',
  // Sphinx / Read the Docs
  'sphinxsidebar',
  'related',
  'rst-footer-buttons',
  'wy-breadcrumbs',
  'rst-versions',
  // line-number gutters next to code
  'linenos',
  'lineno',
  'line-numbers-rows',
]);
const BOILERPLATE_IDS = new Set(['toc', 'sidebar', 'table-of-contents', 'breadcrumbs', 'navbar', 'cookie-banner']);

// Asides that themes use for callouts (Starlight, admonitions) are content.
const CALLOUT_CLASS = /^(admonition|callout|starlight-aside|note|tip|warning|caution|danger|important|info)(?:$|[-_])/;

// Links that only mark a heading's permalink.
const PERMALINK_TEXT = /^[\s#¶§🔗\u200b]*$/u;

// Containers that mark "we are inside the article", where a <header> holding
// the page's heading is content rather than the site banner.
const ARTICLE_CLASSES = ['markdown', 'markdown-body', 'theme-doc-markdown', 'md-content', 'md-typeset', 'rst-content', 'document'];

export type SkipMode = { boilerplate: boolean; rootIsBody: boolean };

export function isJunk(el: Element): boolean {
  const name = el.name;
  if (JUNK_TAGS.has(name)) return true;
  if (name === 'input') return el.attribs.type !== 'checkbox';
  if (name === 'form') return !hasDescendant(el, (e) => e.name === 'main' || e.name === 'article' || e.name === 'h1' || e.name === 'h2');
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  const style = a.style;
  return style !== undefined && /display\s*:\s*none/i.test(style);
}

function isArticleLike(el: Element): boolean {
  if (el.name === 'main' || el.name === 'article' || el.attribs.role === 'main') return true;
  const tokens = classTokens(el.attribs.class);
  return tokens.some((t) => ARTICLE_CLASSES.includes(t));
}

function isCallout(el: Element): boolean {
  return classTokens(el.attribs.class?.toLowerCase()).some((t) => CALLOUT_CLASS.test(t));
}

function isHeading(el: Element): boolean {
  return HEADING_LEVEL[el.name] !== undefined;
}

const CONSENT = /cookie|consent|gdpr/i;
const CONSENT_MAX_CHARS = 1500;

function isBoilerplate(el: Element, inArticle: boolean, inHeading: boolean, mode: SkipMode, rootLength: () => number): boolean {
  const name = el.name;
  const a = el.attribs;
  if (BOILERPLATE_TAGS.has(name)) {
    if (name === 'aside') return !isCallout(el);
    // Docusaurus wraps the page's h1 in <header> inside the article.
    if (name === 'header') return !(hasDescendant(el, isHeading) && (inArticle || !mode.rootIsBody));
    return true;
  }
  if (a.role && BOILERPLATE_ROLES.has(a.role)) return true;
  const id = a.id;
  if (id && BOILERPLATE_IDS.has(id)) return true;
  const cls = a.class;
  const tokens = cls ? classTokens(cls) : [];
  for (const token of tokens) if (BOILERPLATE_CLASSES.has(token)) return true;
  if (name === 'a' && (inHeading || tokens.includes('anchor'))) {
    if (PERMALINK_TEXT.test(collapseWhitespace(textOf(el)))) return true;
  }
  // Consent banners use too many class names to list; only drop short ones
  // so that an article *about* cookies survives.
  if ((cls && CONSENT.test(cls)) || (id && CONSENT.test(id))) {
    const length = textLength(el);
    return length < CONSENT_MAX_CHARS || length < 0.3 * rootLength();
  }
  return false;
}

/** Elements below `root` to leave out of the Markdown (their whole subtree). */
export function collectSkips(root: AnyNode, mode: SkipMode): Set<AnyNode> {
  const skip = new Set<AnyNode>();
  let rootTextLength = -1;
  const rootLength = () => (rootTextLength < 0 ? (rootTextLength = textLength(root)) : rootTextLength);
  const visit = (node: AnyNode, depth: number, inArticle: boolean, inHeading: boolean): void => {
    if (depth > MAX_DEPTH) return;
    for (const child of (node as Element).children ?? []) {
      if (!isElement(child)) continue;
      if (isJunk(child) || (mode.boilerplate && isBoilerplate(child, inArticle, inHeading, mode, rootLength))) {
        skip.add(child);
        continue;
      }
      visit(child, depth + 1, inArticle || isArticleLike(child), inHeading || isHeading(child));
    }
  };
  visit(root, 0, isElement(root) && isArticleLike(root), false);
  return skip;
}
