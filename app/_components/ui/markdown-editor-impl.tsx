'use client';

import { markdown, markdownLanguage } from '@codemirror/lang-markdown';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { languages } from '@codemirror/language-data';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import CodeMirror from '@uiw/react-codemirror';
import { useMemo } from 'react';

/**
 * The editor itself (CodeMirror 6), loaded only when an editor is shown
 * (markdown-editor.tsx). Colours come from the design tokens, so it follows
 * the theme and keeps the text readable in both.
 */
const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--surface)', color: 'var(--foreground)', fontSize: '13px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content': { fontFamily: 'var(--font-mono)', caretColor: 'var(--foreground)', padding: '10px 0' },
  '.cm-line': { padding: '0 12px' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--foreground)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'var(--accent-subtle)' },
  '.cm-activeLine': { backgroundColor: 'transparent' },
  '.cm-gutters': { display: 'none' },
  '.cm-placeholder': { color: 'var(--muted-foreground)' },
  '.cm-scroller': { lineHeight: '1.6' },
});

const highlight = HighlightStyle.define([
  { tag: tags.heading, fontWeight: '600', color: 'var(--foreground)' },
  { tag: [tags.strong], fontWeight: '600' },
  { tag: [tags.emphasis], fontStyle: 'italic' },
  { tag: [tags.strikethrough], textDecoration: 'line-through' },
  { tag: [tags.link, tags.url], color: 'var(--accent-text)' },
  { tag: [tags.monospace], color: 'var(--accent-text)' },
  { tag: [tags.quote], color: 'var(--muted-foreground)', fontStyle: 'italic' },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator, tags.labelName], color: 'var(--muted-foreground)' },
  { tag: [tags.keyword, tags.operator], color: 'var(--accent-text)' },
  { tag: [tags.string], color: 'var(--success-text)' },
  { tag: [tags.comment], color: 'var(--muted-foreground)' },
  { tag: [tags.number, tags.bool], color: 'var(--warning-text)' },
]);

export default function MarkdownEditorImpl({
  value,
  onChange,
  label,
  placeholder,
  minHeight,
  maxHeight,
  autoFocus,
  readOnly,
  onSave,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  placeholder?: string;
  minHeight: string;
  maxHeight: string;
  autoFocus?: boolean;
  readOnly?: boolean;
  onSave?: () => void;
}) {
  const extensions = useMemo(
    () => [
      markdown({ base: markdownLanguage, codeLanguages: languages }),
      EditorView.lineWrapping,
      syntaxHighlighting(highlight),
      // The accessible name goes on .cm-content, the element with role=textbox; on the wrapper it would name nothing.
      EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
      EditorView.domEventHandlers({
        keydown: (e) => {
          if (onSave && e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            onSave();
            return true;
          }
          return false;
        },
      }),
      theme,
    ],
    [label, onSave],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      theme="none"
      extensions={extensions}
      placeholder={placeholder}
      minHeight={minHeight}
      maxHeight={maxHeight}
      autoFocus={autoFocus}
      readOnly={readOnly}
      // Tab leaves the editor, as everywhere else on the page: no keyboard trap (WCAG 2.1.2).
      indentWithTab={false}
      basicSetup={{
        lineNumbers: false,
        foldGutter: false,
        highlightActiveLine: false,
        highlightActiveLineGutter: false,
        syntaxHighlighting: false,
        autocompletion: false,
        searchKeymap: true,
      }}
    />
  );
}
