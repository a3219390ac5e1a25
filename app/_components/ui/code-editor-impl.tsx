'use client';

import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { languages } from '@codemirror/language-data';
import { tags as t } from '@lezer/highlight';
import CodeMirror, { EditorView, type Extension } from '@uiw/react-codemirror';
import { useEffect, useMemo, useState } from 'react';
import { cn } from '../../_lib/cn';

export type CodeEditorProps = {
  value: string;
  onChange?: (value: string) => void;
  /** The accessible name of the text box (CodeMirror's content element, where axe and screen readers look). */
  label: string;
  /** A language @codemirror/language-data knows, by name or alias ('JSON', 'yaml', 'sql'…); loaded on first use. */
  language: string;
  readOnly?: boolean;
  /** Ids of elements describing the text (a hint, an error), as aria-describedby on the text box. */
  describedBy?: string;
  placeholder?: string;
  /** The editor's height; its content scrolls inside. */
  height?: string;
  lineNumbers?: boolean;
  className?: string;
  testId?: string;
};

// Colours from the design tokens, so both themes follow globals.css and pass contrast (CodeMirror's
// default style uses fixed colours such as #219 that fail on dark backgrounds).
const theme = EditorView.theme({
  '&': { color: 'var(--foreground)', backgroundColor: 'transparent', height: '100%' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', fontSize: '13px', lineHeight: '1.65' },
  '.cm-content': { caretColor: 'var(--foreground)', padding: '12px 0' },
  '.cm-line': { padding: '0 16px' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--foreground)', borderLeftWidth: '2px' },
  '.cm-selectionBackground, &.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground': {
    backgroundColor: 'var(--accent-subtle)',
  },
  '.cm-gutters': { backgroundColor: 'transparent', color: 'var(--muted-foreground)', border: 'none', paddingLeft: '6px' },
  '.cm-activeLine': { backgroundColor: 'transparent' },
  '.cm-activeLineGutter': { backgroundColor: 'transparent', color: 'var(--foreground)' },
  '.cm-placeholder': { color: 'var(--muted-foreground)' },
  '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--accent-subtle)', outline: 'none' },
  '.cm-searchMatch': { backgroundColor: 'var(--warning-subtle)', outline: '1px solid var(--warning)' },
  '.cm-panels': { backgroundColor: 'var(--surface)', color: 'var(--foreground)', borderColor: 'var(--border)' },
});

const highlight = HighlightStyle.define([
  { tag: t.heading, fontWeight: '650', color: 'var(--foreground)' },
  { tag: t.strong, fontWeight: '650' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: [t.link, t.url], color: 'var(--accent-text)' },
  { tag: [t.processingInstruction, t.contentSeparator, t.meta, t.quote], color: 'var(--muted-foreground)' },
  { tag: t.monospace, color: 'var(--accent-text)' },
  { tag: [t.keyword, t.operatorKeyword, t.modifier, t.propertyName, t.definition(t.propertyName)], color: 'var(--accent-text)' },
  { tag: [t.string, t.special(t.string), t.inserted], color: 'var(--success-text)' },
  { tag: [t.number, t.bool, t.atom, t.null, t.typeName, t.className], color: 'var(--warning-text)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--muted-foreground)', fontStyle: 'italic' },
  { tag: [t.invalid, t.deleted], color: 'var(--destructive-text)' },
]);

/** The language's support from @codemirror/language-data, which loads each one on first use; plain text until then. */
function useLanguage(language: string): Extension | null {
  const [support, setSupport] = useState<{ language: string; extension: Extension } | null>(null);
  useEffect(() => {
    const wanted = language.toLowerCase();
    const description = languages.find((l) => l.name.toLowerCase() === wanted || l.alias.includes(wanted));
    if (!description) return;
    let live = true;
    void description.load().then((extension) => live && setSupport({ language, extension }));
    return () => {
      live = false;
    };
  }, [language]);
  return support?.language === language ? support.extension : null;
}

/** CodeMirror 6 with the app's look; loaded lazily by code-editor.tsx. */
export default function CodeEditorImpl({
  value,
  onChange,
  label,
  language,
  readOnly = false,
  describedBy,
  placeholder,
  height = '24rem',
  lineNumbers = false,
  className,
  testId,
}: CodeEditorProps) {
  const lang = useLanguage(language);
  const extensions = useMemo(
    () => [
      ...(lang ? [lang] : []),
      theme,
      syntaxHighlighting(highlight),
      EditorView.lineWrapping,
      // The name goes on the content element (role=textbox), not the wrapper: axe looks there.
      EditorView.contentAttributes.of({
        'aria-label': label,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(readOnly ? { 'aria-readonly': 'true' } : {}),
      }),
    ],
    [lang, label, describedBy, readOnly],
  );
  return (
    <div
      data-testid={testId}
      data-language={language}
      className={cn(
        'overflow-hidden rounded-lg border border-input bg-surface shadow-xs transition-[border-color,box-shadow]',
        'focus-within:border-ring focus-within:ring-3 focus-within:ring-ring/25',
        readOnly && 'bg-muted/40',
        className,
      )}
      style={{ height }}
    >
      <CodeMirror
        value={value}
        onChange={onChange}
        height="100%"
        className="h-full"
        theme="none"
        readOnly={readOnly}
        editable={!readOnly}
        // Tab leaves the editor, as everywhere else on the page: no keyboard trap.
        indentWithTab={false}
        placeholder={placeholder}
        extensions={extensions}
        basicSetup={{
          lineNumbers,
          foldGutter: false,
          highlightActiveLine: false,
          highlightActiveLineGutter: lineNumbers,
          syntaxHighlighting: false,
          autocompletion: false,
          searchKeymap: true,
        }}
      />
    </div>
  );
}
