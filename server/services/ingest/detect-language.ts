// Language of a code block that declares none. Search filters by language,
// so a wrong guess hides an example where no guess would not: the detector
// answers '' unless one language clearly wins.

type Rule = [pattern: RegExp, weight: number];

// Each rule counts once, however often it matches, so one long block of a
// single idiom cannot outvote several distinct idioms of another language.
const RULES: Record<string, Rule[]> = {
  python: [
    [/^\s*def \w+\s*\(.*\)\s*(->\s*[\w[\], .]+)?:\s*$/m, 4],
    [/^\s*class \w+(\(.*\))?:\s*$/m, 3],
    [/^\s*from [\w.]+ import [\w*, ()]+$/m, 4],
    [/^\s*import [\w.]+( as \w+)?\s*$/m, 1],
    [/^\s*(if|elif|for|while|with|try|except[^:]*|else|finally)\b.*:\s*$/m, 2],
    [/\bself\.\w+/, 2],
    [/\b(None|True|False)\b/, 1],
    [/\bprint\(/, 1],
    [/^\s*@\w+(\.\w+)*(\(.*\))?\s*$/m, 1],
    [/__\w+__/, 2],
    [/\belif\b|\blambda \w*:/, 2],
  ],
  javascript: [
    [/^\s*(const|let|var) [\w{}[\], ]+\s*=/m, 2],
    [/=>\s*[{(\w]/, 2],
    [/\bfunction\s*\w*\s*\(/, 2],
    [/\bconsole\.\w+\(/, 2],
    [/\brequire\(['"][^'"]+['"]\)/, 3],
    [/^\s*import .+ from ['"][^'"]+['"];?\s*$/m, 3],
    [/^\s*export (default|const|function|class|async) /m, 2],
    [/\bmodule\.exports\b/, 3],
    [/\b(await|async)\b/, 1],
    [/===|!==/, 2],
    [/;\s*$/m, 1],
    [/\bdocument\.\w+|\bwindow\.\w+/, 2],
  ],
  // Added on top of the JavaScript score: TypeScript is JavaScript plus types.
  typescript: [
    [/^\s*(export )?interface \w+(<[^>]+>)? (extends [\w<>, ]+ )?\{/m, 4],
    [/^\s*(export )?type \w+(<[^>]+>)? = /m, 4],
    [/\b(const|let|var) \w+: [\w<>[\]|. ]+ =/, 3],
    [/\(\s*\w+\??: (string|number|boolean|unknown|any|\w+\[\]|[A-Z]\w*(<[^>]*>)?)[,)]/, 3],
    [/\)\s*: (string|number|boolean|void|Promise<[^>]+>|[A-Z]\w*(<[^>]*>)?)\s*(\{|=>)/, 3],
    [/\bas (const|string|number|unknown|any)\b/, 2],
    [/\b(private|public|protected|readonly) \w+[:;(]/, 2],
    [/^\s*import type /m, 4],
    [/^\s*(export )?enum \w+ \{/m, 3],
  ],
  bash: [
    [/^#!\/(usr\/)?bin\/(env )?(ba|z)?sh/m, 6],
    [/^\s*\$ \S/m, 3],
    [
      /^\s*(\$\s+)?(sudo |npm |npx |pnpm |yarn |pip3? |git |cd |ls |mkdir |rm |cp |mv |export \w+=|echo |cat |curl |wget |brew |apt(-get)? |docker |kubectl |chmod |source |tar |make\b|go (get|run|build|install) |cargo |uv )/m,
      4,
    ],
    [/\s--?[a-z][\w-]*(=\S+)?(\s|$)/m, 1],
    [/\$\{?\w+\}?/, 1],
    [/(&&|\|\|)\s*\\?$|\s&&\s|\s\|\s\w/m, 1],
    [/\\\s*$/m, 1],
    [/^\s*(if \[|fi$|then$|done$|do$)/m, 3],
  ],
  sql: [
    [/\bselect\b[\s\S]{1,400}?\bfrom\b/i, 4],
    [/\binsert\s+into\b/i, 4],
    [/\bcreate\s+(table|index|view|extension|function|schema)\b/i, 4],
    [/\bupdate\s+\w+\s+set\b/i, 4],
    [/\bdelete\s+from\b/i, 4],
    [/\b(where|group by|order by|inner join|left join|primary key|not null)\b/i, 2],
    [/;\s*$/m, 1],
  ],
  go: [
    [/^package \w+\s*$/m, 5],
    [/^\s*func (\(\w+ \*?\w+\) )?\w+\(/m, 4],
    [/:=/, 2],
    [/\bfmt\.\w+\(/, 3],
    [/^import \($/m, 3],
    [/\b(chan|defer|go func)\b/, 2],
    [/\berr != nil\b/, 4],
  ],
  rust: [
    [/^\s*(pub )?fn \w+(<[^>]*>)?\(/m, 4],
    [/\blet mut\b/, 4],
    [/^\s*use \w+(::\w+|::\{)/m, 4],
    [/^\s*impl(<[^>]*>)? \w+/m, 3],
    [/\b\w+!\(/, 2],
    [/#\[derive\(/, 4],
    [/->\s*(Self|Result<|Option<|&?\w+)/, 1],
    [/&(mut |'\w+ )?(str|self)\b/, 3],
    [/\bmatch \w+ \{/, 2],
  ],
  java: [
    [/\bpublic (static )?(final )?(class|interface|enum) \w+/, 4],
    [/\bpublic static void main\(String/, 6],
    [/\bSystem\.(out|err)\.print/, 5],
    [/^import java(x)?\.[\w.]+;/m, 5],
    [/@Override\b/, 3],
    [/\b(private|public|protected) (static )?(final )?[A-Z]?\w+(<[^>]*>)? \w+\s*(=|;|\()/, 2],
    [/\bnew [A-Z]\w*(<[^>]*>)?\(/, 1],
  ],
  c: [
    [/^#include <(stdio|stdlib|string|unistd|stdint|math)\.h>/m, 5],
    [/^\s*int main\s*\(/m, 2],
    [/\bprintf\(/, 2],
    [/\b(malloc|free|sizeof)\(/, 2],
    [/^#(define|ifndef|ifdef|endif)\b/m, 2],
    [/\bNULL\b/, 1],
  ],
  cpp: [
    [/^#include <(iostream|vector|string|memory|map|algorithm)>/m, 5],
    [/\bstd::\w+/, 4],
    [/\b(cout|cin|cerr)\s*<</, 3],
    [/\btemplate\s*</, 3],
    [/^\s*(public|private|protected):\s*$/m, 2],
    [/^\s*namespace \w+/m, 2],
  ],
  html: [
    [/^\s*<!doctype html/im, 6],
    [/<(html|head|body|div|span|p|a|ul|li|script|link|meta|section|button|form|input)\b[^>]*>/i, 3],
    [/<\/(div|span|p|a|ul|li|body|html|head|section|button|form|script)>/i, 3],
    [/\b(class|href|src|id)="[^"]*"/, 1],
  ],
  css: [
    [/^\s*[.#]?[\w-]+(?:[ \t]*[.#:>+~,][ \t]*[\w-]+|[ \t]+[\w-]+)*[ \t]*\{\s*$/m, 2],
    [/^\s*[\w-]+\s*:\s*[^;{}]+;\s*$/m, 2],
    [/^\s*@(media|import|keyframes|font-face)\b/m, 3],
    [/\b(color|margin|padding|display|font-size|background|border|width|height)\s*:/, 2],
    [/\b\d+(px|em|rem|vh|vw)\b|#[0-9a-f]{3,6}\b/i, 1],
  ],
  yaml: [
    [/^[\w.-]+:\s*$/m, 2],
    [/^\s+[\w.-]+:\s+\S/m, 2],
    [/^\s*- [\w.-]+:\s/m, 3],
    [/^\s*- \S/m, 1],
    [/^---\s*$/m, 1],
  ],
  toml: [
    [/^\[\[?[\w.-]+\]\]?\s*$/m, 4],
    [/^[\w.-]+\s*=\s*("[^"]*"|'[^']*'|\d+|true|false|\[)/m, 3],
  ],
  dockerfile: [
    [/^FROM \S+/m, 4],
    [/^(RUN|COPY|ADD|WORKDIR|ENTRYPOINT|CMD|EXPOSE|ENV|ARG|USER|LABEL) /m, 3],
  ],
};

// A language must score at least this much to be named at all…
const MIN_SCORE = 5;
// …and beat the runner-up by this much; a near-tie means "cannot tell".
const MIN_LEAD = 2;

const isJson = (code: string) => {
  const t = code.trim();
  if (!/^[[{]/.test(t)) return false;
  try {
    return typeof JSON.parse(t) === 'object';
  } catch {
    return false;
  }
};

// Shapes whose syntax the keyword scores cannot see, or see everywhere.
function shapeBonus(code: string, language: string): number {
  const lines = code.split('\n').filter((l) => l.trim() && !/^\s*#/.test(l));
  const share = (re: RegExp) => (lines.length ? lines.filter((l) => re.test(l)).length / lines.length : 0);
  switch (language) {
    // Real YAML is nearly all "key: value" and "- item" lines, without code punctuation.
    case 'yaml':
      return share(/^\s*(- )?[\w.-]+:(\s|$)|^\s*- \S/) >= 0.8 && !/[;{}()=]/.test(code) ? 4 : 0;
    case 'toml':
      return share(/^\s*(\[\[?[\w.-]+\]\]?|[\w.-]+\s*=\s*\S)/) >= 0.8 ? 3 : 0;
    case 'dockerfile':
      return share(/^(FROM|RUN|COPY|ADD|WORKDIR|ENTRYPOINT|CMD|EXPOSE|ENV|ARG|USER|LABEL|VOLUME|HEALTHCHECK)\b|^\s+\S.*\\?$/) >= 0.8 ? 3 : 0;
    case 'css':
      return share(/[{};]\s*$|^\s*}\s*$/) >= 0.7 && !/\b(function|const|let|var|return)\b/.test(code) ? 3 : 0;
    default:
      return 0;
  }
}

export function scoreLanguages(code: string): Map<string, number> {
  const scores = new Map<string, number>();
  for (const [language, rules] of Object.entries(RULES)) {
    let score = rules.reduce((sum, [re, weight]) => sum + (re.test(code) ? weight : 0), 0);
    if (score > 0) score += shapeBonus(code, language);
    scores.set(language, score);
  }
  const ts = scores.get('typescript')!;
  scores.set('typescript', ts > 0 ? ts + scores.get('javascript')! : 0);
  // C++ is mostly C; count the shared idioms for it only when it has its own.
  const cpp = scores.get('cpp')!;
  if (cpp > 0) scores.set('cpp', cpp + scores.get('c')!);
  return scores;
}

/** The language of `code` by keyword and shape scores, or '' when no language clearly wins. */
export function detectLanguage(code: string): string {
  if (isJson(code)) return 'json';
  const ranked = [...scoreLanguages(code)].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] < MIN_SCORE) return '';
  if (second && best[1] - second[1] < MIN_LEAD) {
    // TypeScript's score contains JavaScript's; so does C++'s contain C's.
    if (best[0] === 'typescript' && second[0] === 'javascript') return best[1] > second[1] ? 'typescript' : '';
    if (best[0] === 'cpp' && second[0] === 'c') return best[1] > second[1] ? 'cpp' : '';
    return '';
  }
  return best[0];
}

const ALIASES: Record<string, string> = {
  py: 'python',
  python3: 'python',
  py3: 'python',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  shellscript: 'bash',
  'shell-session': 'console',
  shellsession: 'console',
  'bash-session': 'console',
  terminal: 'console',
  yml: 'yaml',
  golang: 'go',
  rs: 'rust',
  'c++': 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  h: 'c',
  docker: 'dockerfile',
  postgres: 'sql',
  postgresql: 'sql',
  psql: 'sql',
  pgsql: 'sql',
  mysql: 'sql',
  sqlite: 'sql',
  htm: 'html',
  xhtml: 'html',
  jsonc: 'json',
  json5: 'json',
  ps1: 'powershell',
  pwsh: 'powershell',
  txt: 'text',
  plaintext: 'text',
  plain: 'text',
  none: 'text',
};

/**
 * One name per language, so a search filtered by "typescript" also finds
 * blocks fenced as `ts` or `tsx`. Unknown names pass through lower-cased.
 */
export function normalizeLanguage(declared: string): string {
  const lang = declared.trim().toLowerCase();
  return ALIASES[lang] ?? lang;
}

/**
 * The stored languages a filter names: code examples keep the normalised name (```ts is stored as typescript), so a
 * filter of "ts" or "TypeScript" means it too; the name as given still matches a language an imported archive kept.
 */
export const languageNames = (given: string): string[] => [...new Set([given, normalizeLanguage(given)])];
