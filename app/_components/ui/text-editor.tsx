'use client';

import dynamic from 'next/dynamic';
import { Skeleton } from './skeleton';
import type { TextEditorProps } from './text-editor-cm';

export type { TextEditorProps };

// CodeMirror is large (~220 KiB gz) and needs the DOM: loaded on the client, only by pages that edit text.
const Editor = dynamic(() => import('./text-editor-cm'), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full rounded-lg" />,
});

/**
 * A code editor (CodeMirror 6) for Markdown or JSON, in the app's colours, with
 * its accessible name on the text box itself and Tab leaving it (no keyboard
 * trap). The text is kept exactly as typed.
 *
 *   <TextEditor language="json" label="Features (JSON)" value={text} onChange={setText} lineNumbers />
 */
export function TextEditor(props: TextEditorProps) {
  return (
    <div style={{ height: props.height ?? '24rem' }} className={props.className}>
      <Editor {...props} className="h-full" height="100%" />
    </div>
  );
}

/**
 * The Markdown editor: `<MarkdownEditor label="Description (Markdown)" value={md} onChange={setMd} />`.
 * Show the result with MarkdownView (never another renderer).
 */
export function MarkdownEditor(props: Omit<TextEditorProps, 'language'>) {
  return <TextEditor language="markdown" {...props} />;
}
