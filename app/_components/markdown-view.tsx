import Markdown, { defaultUrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { headingIds } from '../_lib/heading-id';

// The slice of hast this file walks; react-markdown hands the tree over after raw HTML is dropped.
type HastNode = { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: HastNode[] };

const textOf = (node: HastNode): string => (node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(textOf).join(''));

/** Gives each heading an id from its text (heading-id.ts), so search results can link to a section. */
const rehypeHeadingIds = () => (tree: HastNode) => {
  const idFor = headingIds();
  const walk = (node: HastNode) => {
    if (node.type === 'element' && /^h[1-6]$/.test(node.tagName ?? '')) node.properties = { ...node.properties, id: idFor(textOf(node)) };
    else for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
};

/**
 * Renders Markdown that came from crawled sites or uploads, which may be
 * hostile. Raw HTML in it is dropped, not rendered, and every URL goes
 * through react-markdown's default transform, which blanks `javascript:`,
 * `vbscript:` and `data:` URLs. Never pass a custom `urlTransform` or enable
 * raw HTML here. Headings get ids made from their text, prefixed (heading-id.ts).
 */
export function MarkdownView({ markdown }: { markdown: string }) {
  return (
    <Markdown
      remarkPlugins={[remarkGfm]}
      rehypePlugins={[rehypeHeadingIds]}
      skipHtml
      urlTransform={defaultUrlTransform}
      components={{
        a: ({ href, children }) => (
          <a href={href} rel="noopener noreferrer nofollow" target="_blank">
            {children}
          </a>
        ),
        // A long code line scrolls sideways (globals.css): the block takes focus, so the keyboard can scroll it too.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        pre: ({ node: _, ...props }) => <pre tabIndex={0} {...props} />,
      }}
    >
      {markdown}
    </Markdown>
  );
}
