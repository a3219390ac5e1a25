// Escaping for text that becomes Markdown. Deliberately minimal: the output is
// read by people, language models and embedding models, so `pg_stat_activity`
// must stay `pg_stat_activity`, not `pg\_stat\_activity`. Only characters that
// would change the meaning where they stand are escaped.

const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPECIAL = /[\\`*_[\]<&~]/g;

function isSpace(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\n' || ch === '\t';
}

/** Escapes inline Markdown syntax in plain text. `inLink` also escapes brackets. */
export function escapeInline(text: string, inLink = false): string {
  return text.replace(SPECIAL, (ch, at: number) => {
    const prev = text[at - 1];
    const next = text[at + 1];
    switch (ch) {
      case '\\':
        return next !== undefined && ASCII_PUNCT.test(next) ? '\\\\' : ch;
      case '`':
        return '\\`';
      case '*':
        // "2 * 3" cannot open emphasis.
        return isSpace(prev) && isSpace(next) && prev !== undefined && next !== undefined ? ch : '\\*';
      case '_':
        // Intraword underscores never form emphasis.
        return prev !== undefined && next !== undefined && WORD.test(prev) && WORD.test(next) ? ch : '\\_';
      case '[':
        return inLink ? '\\[' : ch;
      case ']':
        return inLink || next === '(' || next === '[' || next === ':' ? '\\]' : ch;
      case '<':
        return next !== undefined && /[A-Za-z/!?]/.test(next) ? '\\<' : ch;
      case '&':
        return /^&#?[A-Za-z0-9]+;/.test(text.slice(at, at + 34)) ? '\\&' : ch;
      case '~':
        return next === '~' ? '\\~' : ch;
      default:
        return ch;
    }
  });
}

/** Escapes what would turn a line of a paragraph into a heading, list, quote or rule. */
export function escapeLineStart(line: string): string {
  const first = line[0];
  if (first === undefined) return line;
  if (first === '#') return line.replace(/^(#{1,6})(?=\s|$)/, '\\$1');
  if (first === '>') return `\\${line}`;
  if (first === '-' || first === '+' || first === '=') {
    if (/^[-+](?=\s|$)/.test(line) || /^(?:-{2,}|={2,}|=)\s*$/.test(line)) return `\\${line}`;
    return line;
  }
  if (first === '~' && line.startsWith('~~~')) return `\\${line}`;
  if (first >= '0' && first <= '9') return line.replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
  if (first === '|' && /^\|.*\|\s*$/.test(line)) return `\\${line}`;
  return line;
}

/** Inline code with a backtick fence longer than any run inside. */
export function codeSpan(text: string): string {
  const content = text.replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '').replace(/\s+/g, ' ');
  if (!content.trim()) return '';
  const fence = '`'.repeat(longestRun(content, '`') + 1);
  const pad = content.startsWith('`') || content.endsWith('`') || (content.startsWith(' ') && content.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/** A fenced code block; the fence is longer than any backtick run in the code. */
export function fencedCode(code: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, '`') + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

export function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (let i = text.indexOf(ch); i >= 0 && i < text.length; i++) {
    if (text[i] === ch) {
      run++;
      if (run > best) best = run;
    } else {
      run = 0;
      const next = text.indexOf(ch, i);
      if (next < 0) break;
      i = next - 1;
    }
  }
  return best;
}

/** Percent-encodes what would end a Markdown link destination early. */
export function markdownUrl(href: string): string {
  return href.replace(/[()<> ]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
