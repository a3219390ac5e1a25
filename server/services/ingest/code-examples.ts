import { createHash } from 'node:crypto';
import { closesFence, type Fence, openingFence } from '../markdown/markdown-fences';
import { detectLanguage, normalizeLanguage } from './detect-language';
import { plainInline, splitSentences, trimToSentences } from './prose-text';

export type CodeExample = {
  index: number;
  language: string;
  code: string;
  name: string;
  summary: string;
  headingPath: string[];
  contentHash: string;
  /** The section and the prose around the block, for a chat model to name and summarise it; not stored. */
  context: string;
};

// ---------------------------------------------------------------------------
// Which blocks are kept. Archon v1's rules (archon-v1.md §1.7), simplified
// where they misfire on real documentation; each rule says why it exists.

/** Shorter blocks say nothing the prose does not (`npm i x`, a bare name). v1's 250 dropped most one-line commands, which agents need most. */
export const MIN_CODE_CHARS = 40;
/** Longer blocks are whole files or generated output: one embedding cannot represent them, and they crowd results. */
export const MAX_CODE_CHARS = 5000;

// Diagrams are text, not code an agent can reuse (v1 filters them too).
const DIAGRAM_LANGUAGES = new Set(['mermaid', 'plantuml', 'puml', 'graphviz', 'dot', 'ditaa', 'd2', 'svgbob', 'ascii', 'asciiart']);
// Blocks the author marked as what a program printed rather than something to run.
const OUTPUT_LANGUAGES = new Set(['output', 'log', 'logs', 'stdout', 'stderr', 'result', 'console-output', 'terminal-output']);
const BOX_DRAWING = /[\u2500-\u259f]/g;
// A line drawn only with ASCII-art characters, including a run of -, = or _.
const ASCII_BORDER = /^(?=.*[-=_]{3})[\s+|\-=_.:'`<>^v*/\\]+$/;
const LONG_TOKEN = /\S{200,}/;
const COMMENT_LINE = /^\s*(\/\/|#(?![!\w[])|--\s|\/\*|\*|<!--|;;)/;
// A shell prompt followed by a command: "$ npm test", ">>> f()", "PS C:\> dir", "me@box:~$ ls".
const PROMPT_LINE = /^\s*(\$|%|>>>|PS [^>]*>|[\w.-]+@[\w.-]+(:[^$#\s]*)?[$#])\s+\S/;
// Signals that a block is code, not text; v1 had ten such regexes and asked for three.
const CODE_INDICATORS = [
  /\w\(/, // a call
  /\b\w+\s*[+\-*/]?=\s*[^=\s]/, // an assignment
  /\b(if|else|for|while|return|switch|case|try|catch)\b/,
  /\b(function|def|class|const|let|var|fn|func|struct|interface|type|public|private)\s+\w/,
  /\b(import|require|include|using|from|package)\b/,
  /[{}[\]]/,
  /==|!=|<=|>=|&&|\|\||=>|->|::/,
  /\.\w+\(/, // a method call
  /(^|\s)--?[a-zA-Z][\w-]*/, // a command-line flag
  /(^|\s)(\.{0,2}\/)?[\w.-]+\/[\w./-]+/, // a path
];

/** A line that reads as a sentence: six or more plain words and no code punctuation. */
function isProseLine(line: string): boolean {
  if (/[{}();=<>[\]$\\|`]/.test(line)) return false;
  const words = line.trim().split(/\s+/);
  if (words.length < 6) return false;
  const plain = words.filter((w) => /^["'(]?[A-Za-z][a-z'’-]*[.,;:!?)"']*$/.test(w)).length;
  return plain / words.length >= 0.8;
}

/**
 * Why a fenced block should not become a code example, or null to keep it.
 * `declared` is the normalised fence language ('' for none or plain text);
 * `detected` the detector's guess.
 */
export function codeBlockProblem(code: string, declared: string, detected: string): string | null {
  if (code.length < MIN_CODE_CHARS) return 'too short';
  if (code.length > MAX_CODE_CHARS) return 'too long';
  if (DIAGRAM_LANGUAGES.has(declared)) return 'diagram';
  if (OUTPUT_LANGUAGES.has(declared)) return 'command output';
  // Minified bundles, base64 and data URIs: nobody reads them, and they swamp an embedding.
  if (LONG_TOKEN.test(code)) return 'minified or encoded';
  const lines = code.split('\n').filter((l) => l.trim());
  const visible = code.replace(/\s/g, '').length;
  const boxes = code.match(BOX_DRAWING)?.length ?? 0;
  const borders = lines.filter((l) => ASCII_BORDER.test(l)).length;
  // Box-drawing and ASCII-art diagrams picture something; they are not code to reuse.
  if ((boxes >= 10 && boxes / visible >= 0.1) || (borders >= 2 && borders / lines.length >= 0.3)) return 'diagram';
  // A terminal session without a single prompt is only what some command printed.
  if (declared === 'console' && !lines.some((l) => PROMPT_LINE.test(l))) return 'command output';
  const comments = lines.filter((l) => COMMENT_LINE.test(l)).length;
  if (comments / lines.length > 0.7) return 'mostly comments';
  // v1 allowed 15 % prose lines, which rejects code with one docstring or long
  // message; a block that is mostly sentences is a quotation or output.
  const rest = lines.filter((l) => !COMMENT_LINE.test(l));
  if (rest.filter(isProseLine).length / rest.length > 0.5) return 'mostly prose';
  // A block fenced with a language is code on its author's word; an unlabelled
  // one must look like code by itself.
  if (!declared && !detected && CODE_INDICATORS.filter((re) => re.test(code)).length < 2) return 'not code';
  return null;
}

// ---------------------------------------------------------------------------
// Near-duplicates: the same snippet repeated in tabs, on every page of a
// tutorial, or with a comment changed. Compared after removing comment lines
// and whitespace, by the Jaccard similarity of token trigrams.

const NEAR_DUPLICATE = 0.85; // v1's difflib threshold

function shingles(code: string): Set<string> {
  const normal = code
    .split('\n')
    .filter((l) => !COMMENT_LINE.test(l))
    .join('\n')
    .toLowerCase();
  const tokens = normal.match(/\w+|[^\w\s]/g) ?? [];
  if (tokens.length < 3) return new Set([tokens.join(' ')]);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= tokens.length; i++) out.add(`${tokens[i]} ${tokens[i + 1]} ${tokens[i + 2]}`);
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * `items` without near-duplicates of each other or of `standing`, in their
 * order; of similar items the longest is kept, the first on a tie.
 */
export function dropNearDuplicates<T extends { code: string }>(items: T[], standing: { code: string }[] = []): T[] {
  const order = items.map((item, i) => ({ item, i, sh: shingles(item.code) }));
  // Examples that stay whatever their length: an item near one of them is dropped.
  const kept: { item: { code: string }; i: number; sh: Set<string> }[] = standing.map((item) => ({ item, i: -1, sh: shingles(item.code) }));
  // Longest first, so a shorter variant is measured against the one that stays.
  for (const c of [...order].sort((a, b) => b.item.code.length - a.item.code.length || a.i - b.i)) {
    // Sets this much apart in size cannot reach the threshold.
    const similar = kept.some(
      (k) => Math.min(k.sh.size, c.sh.size) >= NEAR_DUPLICATE * Math.max(k.sh.size, c.sh.size) && jaccard(k.sh, c.sh) >= NEAR_DUPLICATE,
    );
    if (!similar) kept.push(c);
  }
  return kept
    .filter((k) => k.i >= 0)
    .sort((a, b) => a.i - b.i)
    .map((k) => k.item as T);
}

// ---------------------------------------------------------------------------
// Extraction.

type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'prose'; text: string }
  | { kind: 'code'; language: string; code: string; path: string[] };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_OR_QUOTE = /^\s*(?:>\s?)*(?:[-*+]\s+|\d+[.)]\s+)?/;
const SUMMARY_CHARS = 300;
const NAME_CHARS = 120;
const CONTEXT_CHARS = 500;

/** Headings, prose paragraphs (as plain text) and code blocks, in order. */
function blocksOf(markdown: string): Block[] {
  const blocks: Block[] = [];
  const path: string[] = [];
  let paragraph: string[] = [];
  let fence: (Fence & { info: string; lines: string[] }) | null = null;
  const endParagraph = () => {
    const text = plainInline(paragraph.join(' '));
    if (text) blocks.push({ kind: 'prose', text });
    paragraph = [];
  };
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) {
        blocks.push({ kind: 'code', language: fence.info, code: fence.lines.join('\n').replace(/^\n+|\s+$/g, ''), path: path.filter(Boolean) });
        fence = null;
      } else {
        fence.lines.push(line);
      }
      continue;
    }
    const open = openingFence(line);
    if (open) {
      endParagraph();
      const info = line.trim().slice(open.length).trim();
      fence = { ...open, info: (info.split(/[\s{,]/)[0] ?? '').toLowerCase(), lines: [] };
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      endParagraph();
      const level = heading[1]!.length;
      const text = plainInline(heading[2]!);
      path.splice(level - 1);
      path[level - 1] = text;
      for (let i = 0; i < path.length; i++) path[i] ??= '';
      blocks.push({ kind: 'heading', level, text });
      continue;
    }
    // Tables are data, not prose to describe the code with.
    if (!line.trim() || /^\s*\|/.test(line)) {
      endParagraph();
      continue;
    }
    paragraph.push(line.replace(LIST_OR_QUOTE, ''));
  }
  endParagraph();
  return blocks;
}

/** The prose paragraphs next to block i, nearest first, up to the previous or next heading or code block. */
function neighbours(blocks: Block[], i: number, step: -1 | 1, all: boolean): string[] {
  const out: string[] = [];
  for (let j = i + step; j >= 0 && j < blocks.length; j += step) {
    const b = blocks[j]!;
    if (b.kind === 'heading' || (b.kind === 'code' && !all)) break;
    if (b.kind === 'prose') out.push(b.text);
  }
  return out;
}

/** The sentences of `text` nearest its end that fit `max` chars. */
function lastSentences(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const sentence of splitSentences(text).reverse()) {
    const next = out ? `${sentence} ${out}` : sentence;
    if (next.length > max) break;
    out = next;
  }
  return out || trimToSentences(text, max);
}

/**
 * The deterministic summary: the prose nearest the code, the paragraph just
 * before it (its last sentences, which usually introduce the code), else the
 * one just after (its first sentences). A trailing colon becomes a full stop.
 */
function nearbyProse(blocks: Block[], i: number): string {
  const before = neighbours(blocks, i, -1, false)[0];
  const text = before ? lastSentences(before, SUMMARY_CHARS) : trimToSentences(neighbours(blocks, i, 1, false)[0] ?? '', SUMMARY_CHARS);
  return text.replace(/:$/, '.');
}

function contextFor(blocks: Block[], i: number, pageTitle: string, path: string[]): string {
  const before = neighbours(blocks, i, -1, true).reverse().join('\n');
  const after = neighbours(blocks, i, 1, true).join('\n');
  return [
    `Page: ${pageTitle}`,
    path.length ? `Section: ${path.join(' > ')}` : '',
    before ? `Text before: ${before.slice(-CONTEXT_CHARS)}` : '',
    after ? `Text after: ${after.slice(0, CONTEXT_CHARS)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The code examples of a Markdown page (HTML <pre> blocks arrive as fences):
 * blocks that pass `codeBlockProblem`, without near-duplicates, each with its
 * language (declared, else detected), the section it sits in, and a
 * deterministic name (the heading) and summary (the nearest prose), which a
 * chat model may later replace.
 */
export function extractCodeExamples(markdown: string, pageTitle: string): CodeExample[] {
  const blocks = blocksOf(markdown);
  const title = plainInline(pageTitle);
  const out: CodeExample[] = [];
  blocks.forEach((b, i) => {
    if (b.kind !== 'code') return;
    const normal = normalizeLanguage(b.language);
    const declared = normal === 'text' ? '' : normal;
    const detected = declared ? '' : detectLanguage(b.code);
    if (codeBlockProblem(b.code, declared, detected)) return;
    const language = declared || detected;
    out.push({
      index: 0,
      language,
      code: b.code,
      name: trimToSentences(b.path.at(-1) || title || 'Code example', NAME_CHARS),
      summary: nearbyProse(blocks, i) || `Code example${language ? ` (${language})` : ''} from ${title || 'this page'}.`,
      headingPath: b.path,
      contentHash: createHash('sha256').update(b.code).digest('hex'),
      context: contextFor(blocks, i, title, b.path),
    });
  });
  return dropNearDuplicates(out).map((e, index) => ({ ...e, index }));
}

/** What is embedded for a code example, as in Archon v1. */
export const codeEmbeddingText = (e: Pick<CodeExample, 'code' | 'summary'>) => `${e.code}\n\nSummary: ${e.summary}`;
