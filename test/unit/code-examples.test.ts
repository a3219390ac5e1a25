import { describe, expect, it } from 'vitest';
import {
  codeBlockProblem,
  codeEmbeddingText,
  dropNearDuplicates,
  extractCodeExamples,
  MAX_CODE_CHARS,
  MIN_CODE_CHARS,
} from '../../server/services/ingest/code-examples';

const fence = (lang: string, code: string) => '```' + lang + '\n' + code + '\n```';
const TS = "import { frobnicate } from 'frob';\nconst result = frobnicate({ widgets: 12, mode: 'fast' });\nconsole.log(result.arranged);";
const PY = 'def arrange(widgets):\n    return sorted(widgets, key=lambda w: w.weight)';
const SH = 'frob level --trays 12 --tolerance 0.5 --log /var/log/frob-level.log';

describe('extractCodeExamples: names, summaries, languages', () => {
  it('names an example after its heading and summarises it with the prose just before', () => {
    const md = `# Guide\n\nIntro text.\n\n## Arranging *widgets*\n\nSome background. Call \`frobnicate\` like this:\n\n${fence('ts', TS)}\n\nIt returns at once.`;
    const [e, ...rest] = extractCodeExamples(md, 'Guide page');
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      index: 0,
      language: 'typescript',
      code: TS,
      name: 'Arranging widgets',
      headingPath: ['Guide', 'Arranging widgets'],
      summary: 'Some background. Call frobnicate like this.',
    });
    expect(e!.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e!.context).toContain('Section: Guide > Arranging widgets');
    expect(e!.context).toContain('Text before: Some background.');
    expect(e!.context).toContain('Text after: It returns at once.');
  });

  it('keeps the sentences nearest the code when the paragraph before is long', () => {
    const long = 'Filler sentence number one goes here. '.repeat(12);
    const [e] = extractCodeExamples(`## S\n\n${long}Run the levelling step from a shell:\n\n${fence('bash', SH)}`, 'T');
    expect(e!.summary.endsWith('Run the levelling step from a shell.')).toBe(true);
    expect(e!.summary.length).toBeLessThanOrEqual(300);
  });

  it('uses the prose just after when nothing comes before, and the page title without a heading', () => {
    const [e] = extractCodeExamples(
      `${fence('python', PY)}\n\nThis sorts widgets by weight. It is stable.\n\nUnrelated later paragraph.`,
      'Sorting *guide*',
    );
    expect(e).toMatchObject({ name: 'Sorting guide', headingPath: [], summary: 'This sorts widgets by weight. It is stable.' });
  });

  it('falls back to a generic summary when there is no prose in the section', () => {
    const [e] = extractCodeExamples(`## Levelling\n\n${fence('bash', SH)}\n\n## Next`, 'Manual');
    expect(e).toMatchObject({ name: 'Levelling', summary: 'Code example (bash) from Manual.' });
  });

  it('does not take prose from another section or across another code block', () => {
    const md = `## A\n\nAbout section A.\n\n## B\n\n${fence('bash', SH)}\n\n${fence('python', PY)}\n\n## C\n\nAbout section C.`;
    const [sh, py] = extractCodeExamples(md, 'T');
    expect(sh!.summary).toBe('Code example (bash) from T.');
    expect(py!.summary).toBe('Code example (python) from T.');
  });

  it('detects the language of an unlabelled block and of a "text" block', () => {
    const md = `${fence('', PY)}\n\n${fence('text', 'SELECT id, name FROM widgets WHERE weight > 10 ORDER BY name;')}`;
    expect(extractCodeExamples(md, 'T').map((e) => e.language)).toEqual(['python', 'sql']);
  });

  it('leaves the language empty when declared as nothing and not recognisable, but code-like', () => {
    const [e] = extractCodeExamples(fence('', 'frob.level(trays=12)\nfrob.sort(order="weight")\nfrob.ship()'), 'T');
    expect(e?.language).toBe('');
  });

  it('keeps an unknown declared language as written (lower-cased)', () => {
    const [e] = extractCodeExamples(fence('Elixir', 'defmodule Frob do\n  def level(trays), do: trays * 2\nend'), 'T');
    expect(e?.language).toBe('elixir');
  });

  it('numbers examples on a page from 0 and embeds code with its summary', () => {
    const md = `## One\n\n${fence('bash', SH)}\n\n## Two\n\n${fence('python', PY)}`;
    const examples = extractCodeExamples(md, 'T');
    expect(examples.map((e) => e.index)).toEqual([0, 1]);
    expect(codeEmbeddingText(examples[1]!)).toBe(`${PY}\n\nSummary: ${examples[1]!.summary}`);
  });

  it('reads fences inside list items and tilde fences, and ignores unclosed ones', () => {
    const md = `1. Install:\n\n   ~~~bash\n   ${SH}\n   ~~~\n\n\`\`\`python\n${PY}`;
    const examples = extractCodeExamples(md, 'T');
    expect(examples.map((e) => e.language)).toEqual(['bash']);
    expect(examples[0]!.summary).toBe('Install.');
  });
});

describe('codeBlockProblem: which blocks are kept', () => {
  const keep = (code: string, declared = '', detected = '') => codeBlockProblem(code, declared, detected);

  it('bounds the length', () => {
    expect(keep('x'.repeat(MIN_CODE_CHARS - 1), 'bash')).toBe('too short');
    expect(keep('npm install frob --save', 'bash')).toBe('too short');
    expect(keep(SH, 'bash')).toBeNull();
    expect(keep(`${'a = 1\n'.repeat(MAX_CODE_CHARS / 6 + 1)}`, 'python')).toBe('too long');
  });

  it('rejects diagrams by language, box drawing and ASCII art', () => {
    expect(keep('graph TD\n  A[Client] --> B[Server]\n  B --> C[Database]', 'mermaid')).toBe('diagram');
    const boxes = '┌────────┐     ┌────────┐\n│ client │ ──▶ │ server │\n└────────┘     └────────┘';
    expect(keep(boxes)).toBe('diagram');
    const ascii = '+--------+      +--------+\n| client | ---> | server |\n+--------+      +--------+';
    expect(keep(ascii)).toBe('diagram');
  });

  it('keeps YAML with a document separator (one border-like line is not a diagram)', () => {
    expect(keep('---\nservices:\n  db:\n    image: postgres:16\n    restart: always', 'yaml')).toBeNull();
  });

  it('rejects minified or encoded blobs', () => {
    expect(keep(`const bundle = "${'QUJD'.repeat(60)}";`, 'javascript')).toBe('minified or encoded');
  });

  it('rejects command output: declared as output, or a console session without a prompt', () => {
    expect(keep('Compiled successfully in 1.2s\nServing on http://localhost:3000', 'output')).toBe('command output');
    expect(keep('added 120 packages in 3s\n14 packages are looking for funding', 'console')).toBe('command output');
    expect(keep('$ npm install frob\nadded 120 packages in 3s', 'console')).toBeNull();
    expect(keep('me@box:~/frob$ frob level --trays 12\nlevelled 12 trays', 'console')).toBeNull();
  });

  it('rejects blocks that are mostly comments', () => {
    expect(keep('# Configure the frobnicator first.\n# Then level the trays.\n# Finally sort them.\nfrob run', 'bash')).toBe('mostly comments');
    expect(keep('#include <stdio.h>\n#include <stdlib.h>\nint main(void) { return 0; }', 'c')).toBeNull();
  });

  it('rejects blocks that are mostly prose, but not code with one long string', () => {
    const quote =
      'The frobnicator arranges widgets in order of weight.\nOperators should check the ledger before every stage begins.\nNothing else is needed to start.';
    expect(keep(quote, 'text')).toBe('mostly prose');
    const withMessage =
      'def greet():\n    """Greet the operator warmly before the first stage of the day begins."""\n    print("hello")\n    return True';
    expect(keep(withMessage, 'python')).toBeNull();
  });

  it('rejects unlabelled text that does not look like code; a declared language is trusted', () => {
    expect(keep('Widgets: twelve\nTrays: four\nOperators: two on shift')).toBe('not code');
    expect(keep('Widgets: twelve\nTrays: four\nOperators: two on shift', 'yaml')).toBeNull();
    expect(keep('frob.level(trays=12)\nfrob.sort(order="weight")')).toBeNull();
  });

  it('drops rejected blocks from extraction', () => {
    const md = `${fence('mermaid', 'graph TD\n  A[Client] --> B[Server]\n  B --> C[Database]')}\n\n${fence('bash', SH)}\n\n${fence('output', 'Compiled successfully in 1.2s and served')}`;
    expect(extractCodeExamples(md, 'T').map((e) => e.language)).toEqual(['bash']);
  });
});

describe('near-duplicates', () => {
  const LONG = `${TS}\nconsole.log(result.trays);`;

  it('keeps one of two blocks that differ only in whitespace and comments, the longer', () => {
    const md = `## A\n\n${fence('ts', TS)}\n\n## B\n\n${fence('ts', `// Arrange the widgets\n${TS.replace(/ = /g, '  =  ')}`)}`;
    const examples = extractCodeExamples(md, 'T');
    expect(examples).toHaveLength(1);
    expect(examples[0]).toMatchObject({ index: 0, name: 'B' });
  });

  it('keeps the longer of two near-identical blocks, where it stands', () => {
    const md = `## Short\n\n${fence('ts', TS)}\n\n## Long\n\n${fence('ts', LONG)}\n\n## Other\n\n${fence('bash', SH)}`;
    expect(extractCodeExamples(md, 'T').map((e) => [e.index, e.name])).toEqual([
      [0, 'Long'],
      [1, 'Other'],
    ]);
  });

  it('keeps the first of two equally long duplicates, and blocks that are merely similar in shape', () => {
    const other = TS.replace("'frob'", "'frob-next'").replace('widgets: 12', 'trays: 4').replace('fast', 'slow').replace('arranged', 'levelled');
    const items = [
      { code: TS, id: 1 },
      { code: TS, id: 2 },
      { code: other, id: 3 },
    ];
    expect(dropNearDuplicates(items).map((i) => i.id)).toEqual([1, 3]);
  });
});
