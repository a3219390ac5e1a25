import { createHash } from 'node:crypto';
import { closesFence, openingFence, type Fence } from '../crawl/markdown-fences';

export type CodeExample = {
  index: number;
  language: string;
  code: string;
  name: string;
  summary: string;
  headingPath: string[];
  contentHash: string;
};

// Diagrams are text, not code an agent can reuse (Archon v1 filters them too).
const DIAGRAM_LANGUAGES = new Set(['mermaid', 'plantuml', 'puml', 'graphviz', 'dot', 'ditaa']);
const MIN_CODE_CHARS = 40;
const MAX_CODE_CHARS = 5000;
const SUMMARY_CHARS = 300;

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

function lastSentences(prose: string): string {
  const text = prose.replace(/\s+/g, ' ').trim();
  if (text.length <= SUMMARY_CHARS) return text;
  const tail = text.slice(-SUMMARY_CHARS);
  const start = tail.search(/[.!?]\s+[A-Z`]/);
  return (start >= 0 ? tail.slice(start + 1) : tail).trim();
}

/**
 * Fenced code blocks of a Markdown page, with the section they belong to and
 * the prose just before them as a summary (the deterministic fallback when no
 * chat model names and summarises them). Exact duplicates on a page are kept once.
 */
export function extractCodeExamples(markdown: string, pageTitle: string): CodeExample[] {
  const out: CodeExample[] = [];
  const seen = new Set<string>();
  const path: string[] = [];
  let prose: string[] = [];
  let fence: (Fence & { language: string; lines: string[] }) | null = null;
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) {
        const code = fence.lines.join('\n').replace(/^\n+|\s+$/g, '');
        const hash = createHash('sha256').update(code).digest('hex');
        if (code.length >= MIN_CODE_CHARS && code.length <= MAX_CODE_CHARS && !DIAGRAM_LANGUAGES.has(fence.language) && !seen.has(hash)) {
          seen.add(hash);
          const name = path.at(-1) ?? pageTitle;
          out.push({
            index: out.length,
            language: fence.language,
            code,
            name: name.replace(/[`*_]/g, '').slice(0, 200),
            summary: lastSentences(prose.join(' ')) || `Code example${fence.language ? ` (${fence.language})` : ''} from ${pageTitle}`,
            headingPath: [...path],
            contentHash: hash,
          });
        }
        fence = null;
        prose = [];
      } else {
        fence.lines.push(line);
      }
      continue;
    }
    const open = openingFence(line);
    if (open) {
      const info = line.trim().slice(open.length).trim();
      fence = { ...open, language: (info.split(/[\s{,]/)[0] ?? '').toLowerCase(), lines: [] };
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      path.splice(heading[1]!.length - 1);
      path[heading[1]!.length - 1] = heading[2]!;
      for (let i = 0; i < path.length; i++) if (path[i] === undefined) path[i] = '';
      prose = [];
      continue;
    }
    if (line.trim()) prose.push(line.trim());
  }
  return out.map((e) => ({ ...e, headingPath: e.headingPath.filter(Boolean) }));
}

/** What is embedded for a code example, as in Archon v1. */
export const codeEmbeddingText = (e: CodeExample) => `${e.code}\n\nSummary: ${e.summary}`;
