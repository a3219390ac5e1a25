import { collectTargets, type RstTargets, rstInline } from './rst-inline';

// A pragmatic reStructuredText → Markdown converter for documentation files:
// sections, literal and code blocks, lists, admonitions, block quotes,
// footnotes and links. Not a docutils parser: anything it does not know is
// kept as text, which is what matters for search. Tables are kept verbatim
// in a code block, since grid tables have no Markdown form.

type Context = { targets: RstTargets; sectionStyles: string[] };

const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}\s*$/;
const BULLET = /^([*+\-•‣⁃])(\s+)(\S.*)?$/;
const ENUMERATED = /^(\(?)(\d+|#|[a-zA-Z])([.)])(\s+)(\S.*)$/;
const ADMONITIONS = new Set([
  'note',
  'warning',
  'tip',
  'hint',
  'important',
  'caution',
  'danger',
  'attention',
  'error',
  'seealso',
  'admonition',
  'versionadded',
  'versionchanged',
  'deprecated',
  'todo',
]);
const CODE_DIRECTIVES = new Set(['code-block', 'code', 'sourcecode', 'parsed-literal', 'doctest', 'ipython', 'jupyter-execute', 'prompt']);
// Directives whose body is navigation or machinery, not content.
const DROPPED_DIRECTIVES = new Set([
  'toctree',
  'index',
  'meta',
  'contents',
  'sectnum',
  'highlight',
  'include',
  'literalinclude',
  'raw',
  'only',
  'automodule',
  'autoclass',
  'autofunction',
  'currentmodule',
  'module',
  'default-role',
  'role',
  'tabularcolumns',
]);

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string | undefined) => line === undefined || line.trim() === '';

/** Removes the smallest common indentation of the non-blank lines. */
function dedent(lines: string[]): string[] {
  const min = Math.min(...lines.filter((l) => !isBlank(l)).map(indentOf));
  return lines.map((l) => (isBlank(l) ? '' : l.slice(Number.isFinite(min) ? min : 0)));
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start])) start++;
  while (end > start && isBlank(lines[end - 1])) end--;
  return lines.slice(start, end);
}

/** Lines from `from` that are blank or indented more than `indent`: a nested body. */
function bodyEnd(lines: string[], from: number, indent: number): number {
  let end = from;
  for (let j = from; j < lines.length; j++) {
    if (isBlank(lines[j])) continue;
    if (indentOf(lines[j]!) <= indent) break;
    end = j + 1;
  }
  return end;
}

function fenced(code: string[], lang: string): string {
  const body = trimBlankEdges(dedent(code)).join('\n');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body}\n${fence}`;
}

function heading(ctx: Context, style: string, title: string): string {
  let level = ctx.sectionStyles.indexOf(style);
  if (level < 0) level = ctx.sectionStyles.push(style) - 1;
  return `${'#'.repeat(Math.min(level + 1, 6))} ${rstInline(title.trim(), ctx.targets)}`;
}

function prefixLines(markdown: string, first: string, rest: string): string {
  return markdown
    .split('\n')
    .map((l, i) => (i === 0 ? first : l ? rest : rest.trimEnd()) + l)
    .join('\n');
}

/** `.. name:: argument` plus its options and body. */
function directive(ctx: Context, name: string, argument: string, body: string[]): string | null {
  const dedented = dedent(body);
  const options = new Map<string, string>();
  let at = 0;
  for (; at < dedented.length; at++) {
    const m = /^:([\w-]+):\s*(.*)$/.exec(dedented[at]!);
    if (!m) break;
    options.set(m[1]!, m[2]!);
  }
  const content = dedented.slice(at);
  if (CODE_DIRECTIVES.has(name)) return fenced(content, argument.trim().split(/\s+/)[0] ?? '');
  if (DROPPED_DIRECTIVES.has(name) || name.startsWith('auto')) return null;
  if (name === 'image' || name === 'figure') {
    const image = `![${options.get('alt') ?? ''}](${argument.trim()})`;
    const caption = convertBlocks(content, ctx);
    return caption ? `${image}\n\n${caption}` : image;
  }
  if (ADMONITIONS.has(name)) {
    const label = name === 'admonition' ? argument.trim() : name === 'seealso' ? 'See also' : name[0]!.toUpperCase() + name.slice(1);
    const inner = [name === 'admonition' ? '' : argument.trim(), convertBlocks(content, ctx)].filter(Boolean).join('\n\n');
    return prefixLines(`**${label}:** ${inner}`, '> ', '> ');
  }
  if (name === 'math') return `$$\n${trimBlankEdges(content).join('\n')}\n$$`;
  if (name === 'rubric' || name === 'topic' || name === 'sidebar') {
    return [`**${rstInline(argument.trim(), ctx.targets)}**`, convertBlocks(content, ctx)].filter(Boolean).join('\n\n');
  }
  // Unknown directive: its text is still content.
  return [argument.trim() ? rstInline(argument.trim(), ctx.targets) : '', convertBlocks(content, ctx)].filter(Boolean).join('\n\n') || null;
}

/** `.. ` explicit markup: directives, footnotes, targets and comments. */
function explicit(ctx: Context, first: string, body: string[]): string | null {
  const d = /^\.\.\s+([\w:.-]+)::\s*(.*)$/.exec(first);
  if (d) return directive(ctx, d[1]!.replace(/^\w+:(?=[\w-]+$)/, ''), d[2]!, body);
  const footnote = /^\.\.\s+\[(#?[\w-]*|\*)\]\s*(.*)$/.exec(first);
  if (footnote) {
    const text = convertBlocks([footnote[2]!, ...dedent(body)], ctx);
    return `[^${footnote[1]!.replace(/^#/, '') || 'note'}]: ${text}`;
  }
  // Hyperlink targets were collected up front; everything else is a comment.
  return null;
}

function listItem(ctx: Context, lines: string[], i: number, previous: number | null): { markdown: string; next: number; number: number } | null {
  const line = lines[i]!;
  const bullet = BULLET.exec(line);
  const enumerated = bullet ? null : ENUMERATED.exec(line);
  if (!bullet && !enumerated) return null;
  // "a. b" at the start of a sentence is not a list unless the next line lines up.
  if (enumerated && /^[a-zA-Z]$/.test(enumerated[2]!) && !isBlank(lines[i + 1]) && indentOf(lines[i + 1]!) === 0) return null;
  const sourceMarker = bullet ? bullet[1]! + bullet[2]! : enumerated![1]! + enumerated![2]! + enumerated![3]! + enumerated![4]!;
  const end = bodyEnd(lines, i + 1, 0);
  const body = [line.slice(sourceMarker.length), ...dedent(lines.slice(i + 1, end))];
  const inner = convertBlocks(body, ctx);
  // "#." is auto-numbered; letters count like digits.
  const n = !enumerated ? 0 : /^\d+$/.test(enumerated[2]!) ? Number(enumerated[2]) : (previous ?? 0) + 1;
  const marker = enumerated ? `${n}.` : '-';
  return { markdown: prefixLines(inner, `${marker} `, ' '.repeat(marker.length + 1)), next: end, number: n };
}

function isTableBorder(line: string): boolean {
  return /^\+(?:[-=]+\+)+\s*$/.test(line) || /^=+(\s+=+)+\s*$/.test(line);
}

/** Converts a run of lines at one indentation level (nested bodies recurse). */
function convertBlocks(lines: string[], ctx: Context): string {
  const out: string[] = [];
  // The number of the previous list item (0 for bullets), null after anything else.
  let previousNumber: number | null = null;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const startsItem = BULLET.test(line) || ENUMERATED.test(line);
    if (!startsItem) previousNumber = null;
    const next = lines[i + 1];
    if (indentOf(line) > 0) {
      // An indented block without a lead-in is a block quote.
      const end = bodyEnd(lines, i, 0);
      out.push(prefixLines(convertBlocks(dedent(lines.slice(i, end)), ctx), '> ', '> '));
      i = end;
      continue;
    }
    if (ADORNMENT.test(line) && next && !isBlank(next) && ADORNMENT.test(lines[i + 2] ?? '') && lines[i + 2]![0] === line[0]) {
      out.push(heading(ctx, `over${line[0]}`, next));
      i += 3;
      continue;
    }
    if (
      !ADORNMENT.test(line) &&
      next !== undefined &&
      ADORNMENT.test(next) &&
      next.trim().length >= Math.min(line.trim().length, 3) &&
      !isTableBorder(next)
    ) {
      out.push(heading(ctx, `under${next[0]}`, line));
      i += 2;
      continue;
    }
    if (ADORNMENT.test(line) && line.trim().length >= 4 && isBlank(next)) {
      out.push('---');
      i++;
      continue;
    }
    if (/^\.\.(\s|$)/.test(line)) {
      const end = bodyEnd(lines, i + 1, 0);
      const converted = explicit(ctx, line, lines.slice(i + 1, end));
      if (converted) out.push(converted);
      i = end;
      continue;
    }
    if (isTableBorder(line)) {
      let end = i + 1;
      while (end < lines.length && !isBlank(lines[end])) end++;
      out.push(fenced(lines.slice(i, end), ''));
      i = end;
      continue;
    }
    if (/^>>>(\s|$)/.test(line)) {
      // A doctest block (a Python session, to the next blank line): as Markdown, ">>>" would be a quote three deep.
      let end = i + 1;
      while (end < lines.length && !isBlank(lines[end])) end++;
      out.push(fenced(lines.slice(i, end), 'python'));
      i = end;
      continue;
    }
    const item = listItem(ctx, lines, i, previousNumber);
    if (item) {
      // Consecutive items form one tight list, as they would in Markdown source.
      const sameList = previousNumber !== null && (previousNumber === 0) === (item.number === 0);
      if (sameList && out.length > 0) out[out.length - 1] += `\n${item.markdown}`;
      else out.push(item.markdown);
      previousNumber = item.number;
      i = item.next;
      continue;
    }
    previousNumber = null;
    // A paragraph: up to a blank line or the start of an indented block.
    let end = i + 1;
    while (end < lines.length && !isBlank(lines[end]) && indentOf(lines[end]!) === 0) end++;
    const paragraph = lines.slice(i, end);
    if (paragraph.length === 1 && !isBlank(lines[end]) && indentOf(lines[end] ?? '') > 0 && !/::\s*$/.test(line)) {
      // A definition list item: the term, then its indented definition.
      const stop = bodyEnd(lines, end, 0);
      const term = rstInline(line.replace(/\s+:\s+.*$/, ''), ctx.targets);
      out.push(`**${term}**`, convertBlocks(dedent(lines.slice(end, stop)), ctx));
      i = stop;
      continue;
    }
    const last = paragraph[paragraph.length - 1]!;
    if (/::\s*$/.test(last)) {
      // "Text::" introduces a literal block and reads as "Text:"; a lone "::" vanishes.
      paragraph[paragraph.length - 1] = last.replace(/\s*::\s*$/, /\S\s*::\s*$/.test(last) && !/\s::\s*$/.test(last) ? ':' : '');
      const text = rstInline(paragraph.join('\n').trim(), ctx.targets);
      if (text) out.push(text);
      const bodyStart = end;
      const bodyStop = bodyEnd(lines, bodyStart, 0);
      if (bodyStop > bodyStart) out.push(fenced(lines.slice(bodyStart, bodyStop), ''));
      i = Math.max(bodyStop, end);
      continue;
    }
    out.push(rstInline(paragraph.join('\n'), ctx.targets));
    i = end;
  }
  return out.join('\n\n');
}

/** reStructuredText source → Markdown. */
export function rstToMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\t/g, '        ').split('\n');
  return convertBlocks(lines, { targets: collectTargets(lines), sectionStyles: [] });
}
