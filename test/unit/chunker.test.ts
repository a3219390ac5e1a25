import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChunkOptions, chunkMarkdown, embeddingText, MAX_FENCE_CHARS, type MarkdownChunk } from '../../server/services/ingest/chunker';

const words = (n: number, seed = 'word') => Array.from({ length: n }, (_, i) => `${seed}${i % 7}`).join(' ');
const sentence = (n: number, seed?: string) => `${words(n, seed)}.`;
const paragraph = (sentences: number, seed?: string) => Array.from({ length: sentences }, () => sentence(12, seed)).join(' ');

describe('chunkMarkdown: basics', () => {
  it('returns nothing for empty or whitespace-only input', () => {
    expect(chunkMarkdown('')).toEqual([]);
    expect(chunkMarkdown(' \n\t\n  ')).toEqual([]);
  });

  it('gives each chunk its heading path, index, size and sha256', () => {
    const md = `Intro text.\n\n# Guide\n\n${paragraph(8)}\n\n## Setup\n\n${paragraph(8)}\n\n### Linux\n\n${paragraph(8)}\n\n## Usage\n\n${paragraph(8)}`;
    const chunks = chunkMarkdown(md);
    expect(chunks.map((c) => c.headingPath)).toEqual([[], ['Guide'], ['Guide', 'Setup'], ['Guide', 'Setup', 'Linux'], ['Guide', 'Usage']]);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(chunks[2]!.content.startsWith('## Setup\n\n')).toBe(true);
    for (const c of chunks) {
      expect(c.charCount).toBe(c.content.length);
      expect(c.contentHash).toBe(createHash('sha256').update(c.content).digest('hex'));
    }
  });

  it('ignores # lines inside ``` and ~~~ fences of any length', () => {
    const md = [
      '# Real',
      'Text.',
      '````bash',
      '# not a heading',
      '```',
      '## still code',
      '```',
      '````',
      '~~~',
      '# comment in tilde fence',
      '~~~',
      '## Second',
      'More.',
    ].join('\n');
    const chunks = chunkMarkdown(md, { minChars: 0 });
    expect(chunks.map((c) => c.headingPath)).toEqual([['Real'], ['Real', 'Second']]);
    expect(chunks[0]!.content).toContain('# not a heading\n```\n## still code');
  });

  it('starts sections at setext headings (=== and --- underlines), but not at a thematic break, list or code', () => {
    const md = [
      'Widget guide',
      '============',
      '',
      'Intro text.',
      '',
      'Setting',
      'up',
      '-------',
      '',
      'Install it.',
      '',
      '---',
      '',
      'After a break.',
      '',
      '- a list item',
      '---',
      '',
      '```',
      'code line',
      '---',
      '```',
      '',
      '    indented code',
      '    ---',
      '',
      'Usage',
      '-----',
      '',
      'Use it.',
    ].join('\n');
    const chunks = chunkMarkdown(md, { minChars: 0 });
    expect(chunks.map((c) => c.headingPath)).toEqual([['Widget guide'], ['Widget guide', 'Setting up'], ['Widget guide', 'Usage']]);
    expect(chunks[1]!.content.startsWith('Setting\nup\n-------\n\nInstall it.')).toBe(true);
    expect(chunks[1]!.content).toContain('code line\n---\n```');
    expect(chunks[2]!.content).toBe('Usage\n-----\n\nUse it.');
    // A bare setext heading goes in front of its first subsection, as a bare ATX heading does.
    const bare = chunkMarkdown(`Guide\n=====\n\nSetup\n-----\n\n${paragraph(20)}`, { minChars: 0, preferredChars: 200, maxChars: 2000 });
    expect(bare[0]!.headingPath).toEqual(['Guide', 'Setup']);
    expect(bare[0]!.content.startsWith('Guide\n=====\n\nSetup\n-----')).toBe(true);
  });

  it('stays linear on a paragraph of many lines (a text file without blank lines)', () => {
    const started = performance.now();
    const chunks = chunkMarkdown(Array.from({ length: 100_000 }, (_, i) => `line ${i} of the log`).join('\n'));
    expect(chunks.length).toBeGreaterThan(100);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('strips link targets and closing hashes from heading paths', () => {
    const chunks = chunkMarkdown('# [Install](https://x.dev/install) #\n\nText.\n\n## C#\n\nMore.', { minChars: 0 });
    expect(chunks.map((c) => c.headingPath)).toEqual([['Install'], ['Install', 'C#']]);
  });

  it('stays linear on long space and bracket runs in headings (a quadratic regex would time out)', () => {
    const chunks = chunkMarkdown(`# a${' '.repeat(200_000)}b\n\n## ${'['.repeat(200_000)}](x)\n\ntext`, {
      minChars: 0,
      preferredChars: 1e6,
      maxChars: 1e6,
    });
    // One chunk: the bare H1 goes in front of its H2 section.
    expect(chunks.map((c) => c.headingPath.map((h) => `${h.slice(0, 2)}…${h.slice(-1)}`))).toEqual([['a …b', '[[…[']]);
  });

  it('is deterministic', () => {
    const md = `# A\n\n${paragraph(40)}\n\n## B\n\n${'```\ncode\n```\n\n'.repeat(5)}`;
    expect(chunkMarkdown(md)).toEqual(chunkMarkdown(md));
  });
});

describe('chunkMarkdown: merging', () => {
  it('merges small sections forward up to preferredChars, across H2, and keeps the first path', () => {
    const md = '## Options\n\nShort.\n\n### a\n\nAlpha.\n\n### b\n\nBeta.\n\n## Next\n\nGamma.';
    const chunks = chunkMarkdown(md);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ headingPath: ['Options'], content: md });
  });

  it('never merges across an H1', () => {
    const chunks = chunkMarkdown('# One\n\nA.\n\n# Two\n\nB.\n\n## Three\n\nC.\n\n### Four\n\nD.');
    expect(chunks.map((c) => c.headingPath)).toEqual([['One'], ['Two']]);
    expect(chunks[1]!.content).toBe('# Two\n\nB.\n\n## Three\n\nC.\n\n### Four\n\nD.');
  });

  it('joins a small section that cannot merge forward to the chunk before it', () => {
    const long = `## Usage\n\n${'Use it well. '.repeat(60).trim()}`;
    const chunks = chunkMarkdown(`${long}\n\n### Note\n\nMind the gap.\n\n# Next chapter\n\n${'More text. '.repeat(60)}`);
    expect(chunks[0]!.content).toBe(`${long}\n\n### Note\n\nMind the gap.`);
    expect(chunks[1]!.headingPath).toEqual(['Next chapter']);
  });

  it('stops merging once the chunk reaches minChars or would pass preferredChars', () => {
    const a = `### a\n\n${words(20)}`;
    const b = `### b\n\n${words(30)}`;
    const c = '### c\n\nsmall';
    const md = [a, b, c].join('\n\n');
    expect(a.length).toBeLessThan(300);
    expect(a.length + 2 + b.length).toBeGreaterThan(300);
    // a is small, a+b fits: merged; a+b has reached minChars; c, small and last, joins it.
    expect(chunkMarkdown(md, { minChars: 300, preferredChars: 600 }).map((ch) => ch.content)).toEqual([`${a}\n\n${b}\n\n${c}`]);
    // a+b would pass preferredChars: a stays alone, b (small) takes c.
    expect(chunkMarkdown(md, { minChars: 300, preferredChars: 300 }).map((ch) => ch.content)).toEqual([a, `${b}\n\n${c}`]);
  });

  it('puts a bare heading in front of a subsection too big to merge with', () => {
    const md = `## Parameters\n\n### WITH\n\n${paragraph(30)}`;
    const chunks = chunkMarkdown(md);
    expect(chunks[0]!.content.startsWith('## Parameters\n\n### WITH\n\n')).toBe(true);
    expect(chunks[0]!.headingPath).toEqual(['Parameters', 'WITH']);
    expect(chunks.every((c) => c.content !== '## Parameters')).toBe(true);
  });
});

describe('chunkMarkdown: splitting', () => {
  it('splits long sections at paragraphs, keeping pieces within preferredChars (plus overlap)', () => {
    const md = `## Long\n\n${Array.from({ length: 10 }, (_, i) => paragraph(4, `p${i}w`)).join('\n\n')}`;
    const chunks = chunkMarkdown(md, { overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.charCount).toBeLessThanOrEqual(1500);
      expect(c.headingPath).toEqual(['Long']);
    }
    // Cuts fall between paragraphs.
    expect(chunks[1]!.content.startsWith('p')).toBe(true);
    expect(chunks.map((c) => c.content).join('\n\n')).toBe(md);
  });

  it('falls back to lines, then sentences, then words for overlong paragraphs', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${words(8)}`).join('\n');
    const byLine = chunkMarkdown(lines, { preferredChars: 300, maxChars: 600, minChars: 50, overlapChars: 0 });
    expect(byLine.every((c) => /^line \d+/.test(c.content) && c.charCount <= 300)).toBe(true);

    const sentences = Array.from({ length: 30 }, (_, i) => `Sentence ${i} ${words(6)}.`).join(' ');
    const bySentence = chunkMarkdown(sentences, { preferredChars: 200, maxChars: 400, minChars: 20, overlapChars: 0 });
    expect(bySentence.every((c) => /^Sentence \d+.*\.$/.test(c.content))).toBe(true);

    const blob = words(400);
    const byWord = chunkMarkdown(blob, { preferredChars: 250, maxChars: 500, minChars: 10, overlapChars: 0 });
    expect(byWord.every((c) => c.charCount <= 250 && !c.content.startsWith(' '))).toBe(true);
    expect(byWord.map((c) => c.content).join(' ')).toBe(blob);
  });

  it('keeps a fence larger than maxChars whole and unchanged in a chunk of its own', () => {
    const fence = '```sql\n' + Array.from({ length: 200 }, (_, i) => `SELECT ${i}; -- ${words(5)}`).join('\n\n') + '\n```';
    expect(fence.length).toBeGreaterThan(5000);
    const md = `## Big\n\n${paragraph(3)}\n\n${fence}\n\n${paragraph(3)}`;
    const chunks = chunkMarkdown(md);
    const holder = chunks.filter((c) => c.content.includes('SELECT 0;'));
    expect(holder).toHaveLength(1);
    expect(holder[0]!.content).toBe(fence);
    expect(chunks.filter((c) => c.content.includes('SELECT 199;'))).toHaveLength(1);
  });

  it('cuts a fence past MAX_FENCE_CHARS at line ends into fences that each open and close, losing no line', () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `const value${i} = compute(${i}); // ${words(3)}`);
    const minified = 'x'.repeat(MAX_FENCE_CHARS * 2);
    const body = [...lines.slice(0, 3000), minified, ...lines.slice(3000)];
    const md = `## Huge\n\n~~~~ts\n${body.join('\n')}\n~~~~\n\nAfter the code.`;
    const chunks = chunkMarkdown(md);
    const fenced = chunks.filter((c) => c.content.startsWith('~~~~ts\n'));
    expect(fenced.length).toBeGreaterThan(4);
    for (const c of fenced) {
      expect(c.content.length).toBeLessThanOrEqual(MAX_FENCE_CHARS);
      expect(c.content.endsWith('\n~~~~')).toBe(true);
    }
    const inner = fenced.flatMap((c) => c.content.split('\n').slice(1, -1));
    expect(inner.filter((l) => l.startsWith('const ')).join('\n')).toBe(lines.join('\n'));
    expect(inner.filter((l) => l.startsWith('x')).join('')).toBe(minified);
    expect(chunks.at(-1)!.content).toContain('After the code.');
  });

  it('keeps a heading with the long code block that follows it, within maxChars', () => {
    const fence = '```\n' + 'x = 1\n'.repeat(400) + '```';
    const chunks = chunkMarkdown(`## Synopsis\n\n${fence}`);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.content).toBe(`## Synopsis\n\n${fence}`);
  });

  it('starts later pieces with up to overlapChars of the previous tail, from a line or sentence start', () => {
    const md = `## S\n\n${Array.from({ length: 12 }, (_, i) => `Para ${i} first sentence here. Second sentence of ${i} follows! Third one ends it?`).join('\n\n')}`;
    const opts = { preferredChars: 300, minChars: 50, overlapChars: 80 };
    const plain = chunkMarkdown(md, { ...opts, overlapChars: 0 });
    const overlapped = chunkMarkdown(md, opts);
    expect(overlapped).toHaveLength(plain.length);
    for (let i = 1; i < plain.length; i++) {
      const content = overlapped[i]!.content;
      expect(content.endsWith(plain[i]!.content)).toBe(true);
      const overlap = content.slice(0, content.length - plain[i]!.content.length).trim();
      expect(overlap.length).toBeGreaterThan(0);
      expect(overlap.length).toBeLessThanOrEqual(80);
      expect(plain[i - 1]!.content.endsWith(overlap)).toBe(true);
      expect(overlap).toMatch(/^(Second|Third|Para)/);
    }
  });

  it('takes no overlap from a code fence', () => {
    const md = `## S\n\n${paragraph(6)}\n\n\`\`\`\n${'code line\n'.repeat(20)}\`\`\`\n\n${paragraph(6)}`;
    const chunks = chunkMarkdown(md, { preferredChars: 500, minChars: 50, overlapChars: 150 });
    const afterFence = chunks.find((c) => c.content.includes('word0') && chunks[c.index - 1]?.content.endsWith('```'));
    expect(afterFence).toBeDefined();
    expect(afterFence!.content).not.toContain('code line');
  });
});

describe('embeddingText', () => {
  const chunk: MarkdownChunk = { index: 0, content: 'Body.', headingPath: ['A', 'B'], charCount: 5, contentHash: '' };
  it('prefixes title and heading path', () => {
    expect(embeddingText(chunk, 'Title')).toBe('Title\nA > B\n\nBody.');
  });
  it('omits empty parts cleanly', () => {
    expect(embeddingText({ ...chunk, headingPath: [] }, 'Title')).toBe('Title\n\nBody.');
    expect(embeddingText(chunk, '  ')).toBe('A > B\n\nBody.');
    expect(embeddingText({ ...chunk, headingPath: [] }, '')).toBe('Body.');
  });
});

// ---------------------------------------------------------------------------
// Property-style check over generated documents.

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(seed: number): { markdown: string; fences: string[] } {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'pg_stat', 'x*y', 'émoji🙂', 'C#', '`tick`', '[link](http://e.x)'];
  const text = (n: number) => Array.from({ length: n }, () => vocab[int(0, vocab.length - 1)]).join(' ');
  const parts: string[] = [];
  const fences: string[] = [];
  const blocks = int(1, 30);
  for (let b = 0; b < blocks; b++) {
    const kind = rand();
    if (kind < 0.25) parts.push(`${'#'.repeat(int(1, 6))} Heading ${b} ${text(int(1, 3))}`);
    else if (kind < 0.55) {
      const sentences = Array.from({ length: int(1, 25) }, () => `${text(int(2, 20))}${['.', '!', '?'][int(0, 2)]}`);
      parts.push(sentences.join(rand() < 0.3 ? '\n' : ' '));
    } else if (kind < 0.62)
      parts.push(text(int(300, 900))); // no sentence ends at all
    else if (kind < 0.72) parts.push(Array.from({ length: int(2, 8) }, () => `- ${text(int(2, 15))}`).join('\n'));
    else {
      const char = rand() < 0.7 ? '`' : '~';
      const length = int(3, 5);
      const marker = char.repeat(length);
      const body = [`// fence ${b} of ${seed}`];
      const lines = rand() < 0.15 ? int(150, 400) : int(1, 25);
      for (let l = 0; l < lines; l++) {
        const r = rand();
        if (r < 0.15) body.push(`# comment ${l}`);
        else if (r < 0.2) body.push('');
        else if (r < 0.25 && length > 3) body.push(char.repeat(3) + (char === '`' ? '' : ' inner'));
        else body.push(`  ${text(int(1, 8))}`);
      }
      const fence = `${marker}${rand() < 0.5 ? 'js' : ''}\n${body.join('\n')}\n${marker}`;
      fences.push(fence);
      parts.push(fence);
    }
  }
  return { markdown: parts.join(rand() < 0.2 ? '\n\n\n' : '\n\n'), fences };
}

const strip = (s: string) => s.replace(/\s+/g, '');

/** Heading path at each non-whitespace character of the document (an independent, simple reference). */
function referencePaths(markdown: string): string[][] {
  const at: string[][] = [];
  const stack: { level: number; text: string }[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const run = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (run && run[0] === fence[0] && run.length >= fence.length && /^\s*[`~]+\s*$/.test(line)) fence = null;
    } else if (run) fence = run;
    else {
      const h = /^(#{1,6}) (.+)$/.exec(line);
      if (h) {
        while (stack.length && stack[stack.length - 1]!.level >= h[1]!.length) stack.pop();
        stack.push({ level: h[1]!.length, text: h[2]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').trim() });
      }
    }
    const path = stack.map((s) => s.text);
    const chars = strip(line).length;
    for (let i = 0; i < chars; i++) at.push(path);
  }
  return at;
}

function leadingHeadingOffsets(content: string): number[] {
  const offsets: number[] = [];
  let consumed = 0;
  for (const line of content.split('\n')) {
    if (!line.trim()) continue;
    if (!/^#{1,6} /.test(line)) break;
    offsets.push(consumed);
    consumed += strip(line).length;
  }
  return offsets;
}

describe('chunkMarkdown: properties over 200 generated documents per option set', () => {
  const optionSets: ChunkOptions[] = [{}, { minChars: 100, preferredChars: 300, maxChars: 800, overlapChars: 60 }];

  it.each(optionSets)('holds its invariants with %o', (opts) => {
    const max = opts.maxChars ?? 5000;
    const overlapMax = opts.overlapChars ?? 150;
    // Violations are collected and asserted once: thousands of expect() calls are slow.
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    let checkedChunks = 0;
    let oversize = 0;
    let overlaps = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const { markdown, fences } = generate(seed);
      const plain = chunkMarkdown(markdown, { ...opts, overlapChars: 0 });
      const chunks = chunkMarkdown(markdown, opts);
      const at = (i: number, what: string) => `seed ${seed} chunk ${i}: ${what}`;

      // Concatenating the chunks without overlap gives back all of the content.
      check(strip(plain.map((c) => c.content).join('')) === strip(markdown), `seed ${seed}: content lost or duplicated`);

      // Every fence is intact in exactly one chunk, with or without overlap.
      for (const fence of fences) {
        check(plain.filter((c) => c.content.includes(fence)).length === 1, `seed ${seed}: fence split (${fence.slice(0, 30)})`);
        check(chunks.filter((c) => c.content.includes(fence)).length === 1, `seed ${seed}: fence split with overlap`);
      }

      // Heading paths match the reference at the point where each chunk starts.
      const paths = referencePaths(markdown);
      let offset = 0;
      for (const c of plain) {
        const allowed = [paths[offset], ...leadingHeadingOffsets(c.content).map((o) => paths[offset + o])];
        check(
          allowed.some((p) => JSON.stringify(p) === JSON.stringify(c.headingPath)),
          at(c.index, `path ${JSON.stringify(c.headingPath)}`),
        );
        offset += strip(c.content).length;
      }

      // Overlap: same pieces, each prefixed by a short fence-free tail of the previous one.
      check(chunks.length === plain.length, `seed ${seed}: overlap changed the number of chunks`);
      chunks.forEach((c, i) => {
        checkedChunks++;
        // Sizes stay within maxChars, except a lone fence that is itself larger.
        if (c.charCount > max) {
          oversize++;
          check(fences.includes(c.content), at(i, `${c.charCount} chars and not a lone fence`));
        }
        check(c.content.trim().length > 0, at(i, 'whitespace only'));
        check(c.index === i && c.charCount === c.content.length, at(i, 'index or charCount'));
        check(JSON.stringify(c.headingPath) === JSON.stringify(plain[i]?.headingPath), at(i, 'overlap changed the path'));
        const base = plain[i]?.content ?? '';
        check(c.content.endsWith(base), at(i, 'does not end with the piece'));
        const overlap = c.content.slice(0, c.content.length - base.length).trim();
        if (!overlap) return;
        overlaps++;
        check(overlap.length <= overlapMax, at(i, `overlap of ${overlap.length} chars`));
        check(plain[i - 1]?.content.trimEnd().endsWith(overlap) === true, at(i, 'overlap is not the previous tail'));
        check(!/^\s*(`{3,}|~{3,})/m.test(overlap), at(i, 'overlap holds a fence line'));
      });

      check(JSON.stringify(chunkMarkdown(markdown, opts)) === JSON.stringify(chunks), `seed ${seed}: not deterministic`);
    }
    expect(problems).toEqual([]);
    // The generator must actually exercise splitting, oversize fences and overlap.
    expect(checkedChunks).toBeGreaterThan(1000);
    expect(oversize).toBeGreaterThan(0);
    expect(overlaps).toBeGreaterThan(100);
  });
});
