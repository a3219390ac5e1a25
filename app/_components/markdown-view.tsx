import Markdown, { defaultUrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * Renders Markdown that came from crawled sites or uploads, which may be
 * hostile. Raw HTML in it is dropped, not rendered, and every URL goes
 * through react-markdown's default transform, which blanks `javascript:`,
 * `vbscript:` and `data:` URLs. Never pass a custom `urlTransform` or enable
 * raw HTML here.
 */
export function MarkdownView({ markdown }: { markdown: string }) {
  return (
    <Markdown
      remarkPlugins={[remarkGfm]}
      skipHtml
      urlTransform={defaultUrlTransform}
      components={{
        a: ({ href, children }) => (
          <a href={href} rel="noopener noreferrer nofollow" target="_blank">
            {children}
          </a>
        ),
      }}
    >
      {markdown}
    </Markdown>
  );
}
