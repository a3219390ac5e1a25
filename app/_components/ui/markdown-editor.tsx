'use client';

import dynamic from 'next/dynamic';
import { cn } from '../../_lib/cn';
import { Skeleton } from './skeleton';

const Impl = dynamic(() => import('./markdown-editor-impl'), {
  ssr: false,
  loading: () => (
    <div className="p-3" role="status">
      <span className="sr-only">Loading the editor</span>
      <Skeleton className="h-4 w-2/3" />
    </div>
  ),
});

/**
 * A Markdown editor (CodeMirror 6, loaded on first use): the text stays
 * exactly as typed, with Markdown and fenced code highlighted. `label` is its
 * accessible name; Ctrl/⌘+Enter calls `onSave`. Show the result with
 * MarkdownView, never as HTML.
 *
 *   <MarkdownEditor label="Description (Markdown)" value={text} onChange={setText} onSave={save} />
 */
export function MarkdownEditor({
  value,
  onChange,
  label,
  placeholder,
  minHeight = '10rem',
  maxHeight = '28rem',
  autoFocus = false,
  readOnly = false,
  onSave,
  className,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  placeholder?: string;
  minHeight?: string;
  maxHeight?: string;
  autoFocus?: boolean;
  readOnly?: boolean;
  onSave?: () => void;
  className?: string;
}) {
  return (
    <div
      className={cn(
        'overflow-hidden rounded-md border border-input bg-surface shadow-xs focus-within:border-ring focus-within:ring-3 focus-within:ring-ring/25',
        className,
      )}
      data-testid="markdown-editor"
    >
      <Impl
        value={value}
        onChange={onChange}
        label={label}
        placeholder={placeholder}
        minHeight={minHeight}
        maxHeight={maxHeight}
        autoFocus={autoFocus}
        readOnly={readOnly}
        onSave={onSave}
      />
    </div>
  );
}
