import { classTokens, type Element, isElement } from './dom';

// Highlighters put the language in many places: Prism and highlight.js on
// <pre>/<code> (language-x, lang-x), GitHub and Sphinx on a wrapper div
// (highlight-source-x, highlight-x), pandoc as a bare class after
// "sourceCode", SyntaxHighlighter as "brush: x", others in data attributes.

const CLASS_PATTERN = /^(?:language|lang|highlight-source|highlight-text|highlight)-([\w+#.-]+)$/;
const BRUSH_PATTERN = /(?:^|[\s;])brush\s*:\s*([\w+#.-]+)/;
const NOT_A_LANGUAGE = new Set(['default', 'none', 'nohighlight', 'notranslate', 'plain', 'sourcecode', 'numbersource']);
// With line numbers, MkDocs and Sphinx put the language on a div above the
// gutter table: five and six levels above the <pre>.
const ANCESTOR_LEVELS = 6;

function fromElement(el: Element): string | null {
  const dataLang = el.attribs['data-lang'] ?? el.attribs['data-language'];
  if (dataLang?.trim()) return dataLang.trim();
  const cls = el.attribs.class;
  if (!cls) return null;
  const brush = BRUSH_PATTERN.exec(cls);
  if (brush) return brush[1]!;
  const tokens = classTokens(cls);
  for (const t of tokens) {
    const m = CLASS_PATTERN.exec(t);
    if (m) return m[1]!;
  }
  const source = tokens.indexOf('sourceCode');
  if (source >= 0) {
    const other = tokens.find((t, i) => i !== source && !NOT_A_LANGUAGE.has(t.toLowerCase()));
    if (other) return other;
  }
  return null;
}

function firstCode(pre: Element): Element | null {
  for (const c of pre.children) if (isElement(c) && c.name === 'code') return c;
  return null;
}

/** Fence language for a <pre>, or '' when none is declared. */
export function codeLanguage(pre: Element): string {
  const places: Element[] = [pre];
  const code = firstCode(pre);
  if (code) places.push(code);
  let up = pre.parent;
  for (let i = 0; i < ANCESTOR_LEVELS && up && isElement(up); i++, up = up.parent) places.push(up);
  for (const el of places) {
    const found = fromElement(el);
    if (found === null) continue;
    const lang = found.toLowerCase().replace(/[^\w+#.-]/g, '');
    return NOT_A_LANGUAGE.has(lang) ? '' : lang;
  }
  return '';
}
