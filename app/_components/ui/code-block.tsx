'use client';

import { type CSSProperties, useEffect, useState } from 'react';
import type { HighlighterCore, ThemedToken } from 'shiki/core';
import { cn } from '../../_lib/cn';
import { CopyButton } from './copy-button';

/**
 * Highlighted code with a copy button: shiki through `shiki/core` and its
 * JavaScript regex engine (the CSP blocks WebAssembly). Grammars load on
 * demand, one chunk per language, the first time a language is shown. Tokens
 * become React elements, never an HTML string, so code from a crawled page
 * can carry nothing that runs. Until the grammar is there (or for a language
 * it does not know) the code shows plain, in the same box.
 *
 *   <CodeBlock code={example.code} language={example.language} label="Copy example" />
 */

const GRAMMARS = {
  bash: () => import('@shikijs/langs/bash'),
  c: () => import('@shikijs/langs/c'),
  cpp: () => import('@shikijs/langs/cpp'),
  csharp: () => import('@shikijs/langs/csharp'),
  css: () => import('@shikijs/langs/css'),
  diff: () => import('@shikijs/langs/diff'),
  docker: () => import('@shikijs/langs/docker'),
  go: () => import('@shikijs/langs/go'),
  graphql: () => import('@shikijs/langs/graphql'),
  html: () => import('@shikijs/langs/html'),
  java: () => import('@shikijs/langs/java'),
  javascript: () => import('@shikijs/langs/javascript'),
  json: () => import('@shikijs/langs/json'),
  jsx: () => import('@shikijs/langs/jsx'),
  kotlin: () => import('@shikijs/langs/kotlin'),
  markdown: () => import('@shikijs/langs/markdown'),
  php: () => import('@shikijs/langs/php'),
  python: () => import('@shikijs/langs/python'),
  ruby: () => import('@shikijs/langs/ruby'),
  rust: () => import('@shikijs/langs/rust'),
  scss: () => import('@shikijs/langs/scss'),
  sql: () => import('@shikijs/langs/sql'),
  swift: () => import('@shikijs/langs/swift'),
  toml: () => import('@shikijs/langs/toml'),
  tsx: () => import('@shikijs/langs/tsx'),
  typescript: () => import('@shikijs/langs/typescript'),
  xml: () => import('@shikijs/langs/xml'),
  yaml: () => import('@shikijs/langs/yaml'),
} as const;
type Grammar = keyof typeof GRAMMARS;

const ALIASES: Record<string, Grammar> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  sh: 'bash',
  shell: 'bash',
  shellscript: 'bash',
  zsh: 'bash',
  console: 'bash',
  py: 'python',
  python3: 'python',
  rb: 'ruby',
  rs: 'rust',
  golang: 'go',
  'c++': 'cpp',
  cs: 'csharp',
  'c#': 'csharp',
  dockerfile: 'docker',
  yml: 'yaml',
  md: 'markdown',
  htm: 'html',
  svg: 'xml',
  jsonc: 'json',
  json5: 'json',
  kt: 'kotlin',
  gql: 'graphql',
  patch: 'diff',
};

/** The grammar for a fence's language name, or null for plain text. */
export function grammarOf(language: string | null | undefined): Grammar | null {
  const name = (language ?? '').trim().toLowerCase();
  if (name in GRAMMARS) return name as Grammar;
  return ALIASES[name] ?? null;
}

const LIGHT = 'github-light-default';
const DARK = 'github-dark-default';
let highlighter: Promise<HighlighterCore> | null = null;

function getHighlighter(): Promise<HighlighterCore> {
  highlighter ??= Promise.all([import('shiki/core'), import('shiki/engine/javascript')]).then(([core, engine]) =>
    core.createHighlighterCore({
      themes: [import('@shikijs/themes/github-light-default'), import('@shikijs/themes/github-dark-default')],
      langs: [],
      engine: engine.createJavaScriptRegexEngine(),
    }),
  );
  return highlighter;
}

type Highlighted = { lines: ThemedToken[][]; rootStyle: CSSProperties };

/** "background-color:#fff;--shiki-dark-bg:#000" as a React style object. */
function styleObject(css: string | Record<string, string> | false | undefined): CSSProperties {
  const entries = typeof css === 'string' ? css.split(';').map((d) => d.split(':') as [string, string?]) : Object.entries(css || {});
  const out: Record<string, string> = {};
  for (const [rawKey, value] of entries) {
    const key = rawKey?.trim();
    if (!key || value === undefined) continue;
    out[key.startsWith('--') ? key : key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value.trim();
  }
  return out as CSSProperties;
}

async function highlight(code: string, grammar: Grammar): Promise<Highlighted> {
  const h = await getHighlighter();
  if (!h.getLoadedLanguages().includes(grammar)) await h.loadLanguage((await GRAMMARS[grammar]()).default);
  const result = h.codeToTokens(code, { lang: grammar, themes: { light: LIGHT, dark: DARK } });
  return { lines: result.tokens, rootStyle: styleObject(result.rootStyle ?? `background-color:${result.bg};color:${result.fg}`) };
}

// The themes' own backgrounds, so every token colour keeps its contrast; used for plain code too.
const PLAIN_STYLE = { backgroundColor: '#ffffff', color: '#1f2328', '--shiki-dark-bg': '#0d1117', '--shiki-dark': '#e6edf3' } as CSSProperties;

export function CodeBlock({
  code,
  language,
  label = 'Copy code',
  className,
  maxHeightClass = 'max-h-96',
}: {
  code: string;
  language?: string | null;
  /** The copy button's name: say what is copied ("Copy example"). */
  label?: string;
  className?: string;
  maxHeightClass?: string;
}) {
  const grammar = grammarOf(language);
  const [result, setResult] = useState<{ code: string; grammar: Grammar; value: Highlighted } | null>(null);
  useEffect(() => {
    if (!grammar) return;
    let live = true;
    highlight(code, grammar)
      .then((value) => live && setResult({ code, grammar, value }))
      .catch(() => {}); // plain code is still readable
    return () => {
      live = false;
    };
  }, [code, grammar]);
  const current = result && result.code === code && result.grammar === grammar ? result.value : null;
  return (
    <div className={cn('group relative overflow-hidden rounded-lg border border-border', className)}>
      <section
        // biome-ignore lint/a11y/noNoninteractiveTabindex: long lines scroll, and a scrolling region must be reachable by keyboard
        tabIndex={0}
        aria-label={language ? `${language} code` : 'Code'}
        className={cn('shiki focus-ring overflow-auto rounded-lg', maxHeightClass)}
        style={current?.rootStyle ?? PLAIN_STYLE}
      >
        <pre className="w-max min-w-full px-4 py-3 font-mono text-[12.5px] leading-relaxed">
          <code>
            {current
              ? current.lines.map((line, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their position
                  <span key={i} className="block min-h-[1lh]">
                    {line.map((token, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: as above
                      <span key={j} style={styleObject(token.htmlStyle ?? (token.color ? { color: token.color } : undefined))}>
                        {token.content}
                      </span>
                    ))}
                  </span>
                ))
              : code}
          </code>
        </pre>
      </section>
      <CopyButton
        value={code}
        label={label}
        variant="secondary"
        className="absolute right-2 top-2 opacity-80 shadow-xs transition-opacity group-hover:opacity-100 focus-visible:opacity-100"
      />
    </div>
  );
}
