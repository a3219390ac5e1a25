'use client';

import dynamic from 'next/dynamic';
import type { CodeEditorProps } from './code-editor-impl';
import { Skeleton } from './skeleton';

export type { CodeEditorProps };

// CodeMirror is large and needs the DOM: loaded on the client, only by pages that edit code.
const Impl = dynamic(() => import('./code-editor-impl'), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full rounded-lg" />,
});

/**
 * A code editor (CodeMirror 6) for JSON and the other languages of
 * @codemirror/language-data, in the app's colours, with line numbers on
 * request, its accessible name on the text box itself and Tab leaving it (no
 * keyboard trap). The text is kept exactly as typed. For Markdown prose use
 * MarkdownEditor (markdown-editor.tsx).
 *
 *   <CodeEditor language="JSON" label="Features (JSON)" value={text} onChange={setText} lineNumbers height="20rem" />
 */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <div style={{ height: props.height ?? '24rem' }} className={props.className}>
      <Impl {...props} className="h-full" height="100%" />
    </div>
  );
}
