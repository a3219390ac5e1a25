'use client';

import { useEffect, useRef } from 'react';
import { MarkdownView } from '../../../../_components/markdown-view';
import { cn } from '../../../../_lib/cn';

/**
 * A document rendered by MarkdownView (the one safe renderer) in the
 * `markdown` styles. Code blocks and tables that are wider than the preview
 * scroll sideways; those that do are made focusable, so a keyboard can scroll
 * them too (axe: scrollable-region-focusable).
 */
export function MarkdownPreview({ markdown, className, testId }: { markdown: string; className?: string; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the text is what changes the blocks' widths
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const mark = () => {
      for (const el of root.querySelectorAll<HTMLElement>('pre, table')) {
        const scrolls = el.scrollWidth > el.clientWidth + 1;
        if (scrolls && el.tabIndex !== 0) el.tabIndex = 0;
        else if (!scrolls && el.hasAttribute('tabindex')) el.removeAttribute('tabindex');
      }
    };
    mark();
    const observer = new ResizeObserver(mark);
    observer.observe(root);
    return () => observer.disconnect();
  }, [markdown]);
  return (
    <div ref={ref} className={cn('markdown', className)} data-testid={testId}>
      {markdown.trim() ? <MarkdownView markdown={markdown} /> : <p className="text-muted-foreground">Nothing written yet.</p>}
    </div>
  );
}
