import { load } from 'cheerio/slim';
import { collapseWhitespace } from './dom';
import { collectSkips } from './html-boilerplate';
import { chooseContentRoot, scanPage } from './html-page-scan';
import { collapseBlankLines } from './markdown-fences';
import { type HeadingAnchor, headingText, renderMarkdown } from './markdown-render';

export type { HeadingAnchor };

export type ConvertedPage = {
  title: string;
  markdown: string;
  /** Every link on the page (navigation included), absolute, without fragment, in document order. */
  links: string[];
  /** Headings of the converted content in order; `id` is '' for a heading nothing links to. */
  anchors: HeadingAnchor[];
  description: string | null;
};

// Schemes that never lead to a crawlable page.
const NOT_A_PAGE = new Set(['javascript:', 'mailto:', 'tel:', 'data:', 'vbscript:', 'blob:', 'about:']);
// In Markdown a mailto: link is still useful; script and inline data are not.
const NOT_A_LINK = new Set(['javascript:', 'data:', 'vbscript:']);

function absolute(href: string, base: string): URL | null {
  try {
    return new URL(href.trim(), base);
  } catch {
    return null;
  }
}

/**
 * Converts an HTML page to Markdown of its main content, and lists the links
 * of the whole page. Parses once (htmlparser2 via cheerio) and never mutates
 * the tree: boilerplate is a set of nodes the renderer skips.
 */
export function htmlToMarkdown(html: string, pageUrl: string): ConvertedPage {
  const doc = load(html).root()[0]!;
  const scan = scanPage(doc);
  const base = (scan.baseHref !== null && absolute(scan.baseHref, pageUrl)?.href) || pageUrl;

  // Pages repeat the same href many times; parse each once.
  const parsed = new Map<string, URL | null>();
  const parse = (href: string): URL | null => {
    let url = parsed.get(href);
    if (url === undefined) {
      url = absolute(href, base);
      parsed.set(href, url);
    }
    return url;
  };

  const links = new Set<string>();
  for (const href of scan.hrefs) {
    if (!href.trim() || href.trim().startsWith('#')) continue;
    const url = parse(href);
    if (!url || NOT_A_PAGE.has(url.protocol)) continue;
    links.add(url.href.replace(/#.*$/s, ''));
  }

  const resolve = (href: string): string | null => {
    const url = parse(href);
    return url && !NOT_A_LINK.has(url.protocol) ? url.href : null;
  };
  const root = chooseContentRoot(scan, doc);
  const rootIsBody = root === (scan.body ?? doc);
  let anchors: HeadingAnchor[] = [];
  let markdown = renderMarkdown(root, { skip: collectSkips(root, { boilerplate: true, rootIsBody }), resolve, anchors });
  if (!markdown.trim()) {
    // Boilerplate rules ate everything (a page that is all navigation, say):
    // better to return the navigation than nothing.
    anchors = [];
    markdown = renderMarkdown(root, { skip: collectSkips(root, { boilerplate: false, rootIsBody }), resolve, anchors });
  }

  const title = collapseWhitespace(scan.title ?? '') || collapseWhitespace(scan.ogTitle ?? '') || (scan.firstH1 ? headingText(scan.firstH1) : '');
  const description = collapseWhitespace(scan.description ?? '') || collapseWhitespace(scan.ogDescription ?? '') || null;

  return { title, markdown: collapseBlankLines(markdown), links: [...links], anchors, description };
}
