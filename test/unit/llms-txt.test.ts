import { describe, expect, it } from 'vitest';
import { isLinkCollection, parseLlmsTxt, slugify, splitLlmsFull } from '../../server/services/crawl/llms-txt';

const LLMS = `# FastWidget

> FastWidget spins widgets quickly.

Read [the intro](/docs/intro.md) first.

## Docs

- [Quickstart](https://fastwidget.dev/docs/quickstart.md): get going
- [API reference](docs/api.md "API"): every call
- [Quickstart again](https://fastwidget.dev/docs/quickstart.md#install)
- [Logo](https://fastwidget.dev/logo.png)
- [Source archive](https://fastwidget.dev/release.tar.gz)
- [Self](https://fastwidget.dev/llms.txt)
- [Mail us](mailto:hi@fastwidget.dev)
- ![diagram](https://fastwidget.dev/diagram.svg)

## Optional

https://fastwidget.dev/blog/
- <https://fastwidget.dev/changelog>

\`\`\`md
[Not a link](https://fastwidget.dev/in-code)
\`\`\`
`;

describe('parseLlmsTxt', () => {
  const parsed = parseLlmsTxt(LLMS, 'https://fastwidget.dev/llms.txt');

  it('reads the H1 title', () => {
    expect(parsed.title).toBe('FastWidget');
    expect(parseLlmsTxt('no heading [a](b)', 'https://x.dev/llms.txt').title).toBeNull();
  });

  it('resolves, deduplicates and filters the links', () => {
    expect(parsed.links).toEqual([
      { url: 'https://fastwidget.dev/docs/intro.md', title: 'the intro' },
      { url: 'https://fastwidget.dev/docs/quickstart.md', title: 'Quickstart' },
      { url: 'https://fastwidget.dev/docs/api.md', title: 'API reference' },
      { url: 'https://fastwidget.dev/blog/', title: 'https://fastwidget.dev/blog/' },
      { url: 'https://fastwidget.dev/changelog', title: 'https://fastwidget.dev/changelog' },
    ]);
  });

  it('keeps balanced parentheses in a link destination, as CommonMark does', () => {
    const text = [
      '- [Foo](https://x.dev/wiki/Foo_(bar)): desc',
      '- [Nested](/docs/a_(b_(c)).md "title")',
      '- [Spaced](<https://x.dev/a b>)',
      '(see [Baz](https://x.dev/baz))',
    ].join('\n');
    expect(parseLlmsTxt(text, 'https://x.dev/llms.txt').links.map((l) => l.url)).toEqual([
      'https://x.dev/wiki/Foo_(bar)',
      'https://x.dev/docs/a_(b_(c)).md',
      'https://x.dev/a%20b',
      'https://x.dev/baz',
    ]);
  });

  it('stays linear on long runs of parentheses', () => {
    const started = Date.now();
    parseLlmsTxt(`[a](${'('.repeat(100_000)}`, 'https://x.dev/llms.txt');
    parseLlmsTxt(`${'[a](x('.repeat(20_000)}`, 'https://x.dev/llms.txt');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stays linear on a long run of brackets (a quadratic regex would time out)', () => {
    expect(parseLlmsTxt(`${'['.repeat(200_000)}${'](x)'.repeat(10)}`, 'https://x.dev/llms.txt').links).toHaveLength(1);
  });
});

describe('isLinkCollection', () => {
  const links = (n: number) => Array.from({ length: n }, (_, i) => `- [Page ${i}](https://x.dev/p${i})`).join('\n');

  it.each([
    ['https://x.dev/llms.txt', true],
    ['https://x.dev/docs/LINKS.TXT', true],
    ['https://x.dev/resources.txt', true],
    ['https://x.dev/references.md', true],
    ['https://x.dev/llms-small.txt', true],
    ['https://x.dev/llms-full.txt', false],
    ['https://x.dev/llms-fullstack.txt', false],
    ['https://x.dev/notes.txt', false],
    ['https://x.dev/llmsfoo.txt', false],
  ])('%s by name → %s', (url, expected) => {
    expect(isLinkCollection(url, 'Plain prose without links at all, long enough to have no density.')).toBe(expected);
  });

  it('recognises link-dense text under any name, but never a "full" file', () => {
    expect(isLinkCollection('https://x.dev/index.md', links(10))).toBe(true);
    expect(isLinkCollection('https://x.dev/llms-full.txt', links(10))).toBe(false);
  });

  it('needs more than 3 links and more than 2 links per 100 characters', () => {
    expect(isLinkCollection('https://x.dev/a.md', links(3))).toBe(false);
    expect(isLinkCollection('https://x.dev/a.md', `${links(4)}\n${'prose '.repeat(200)}`)).toBe(false);
    expect(isLinkCollection('https://x.dev/a.md', links(4))).toBe(true);
    expect(isLinkCollection('https://x.dev/a.md', '')).toBe(false);
  });
});

describe('splitLlmsFull', () => {
  const body = (topic: string) => `${topic} explained in enough words to pass the minimum section size. `.repeat(4);

  it('splits at H1 outside code fences with numbered, slugged URLs', () => {
    const text = `# Getting Started\n\n${body('Start')}\n\n\`\`\`sh\n# not a section\n\`\`\`\n\n## Sub heading stays\n\n# Ça marche: Ünïcode & more!\n\n${body('Unicode')}`;
    const sections = splitLlmsFull(text, 'https://x.dev/llms-full.txt');
    expect(sections.map((s) => [s.url, s.title])).toEqual([
      ['https://x.dev/llms-full.txt#section-0-getting-started', 'Getting Started'],
      ['https://x.dev/llms-full.txt#section-1-ca-marche-unicode-more', 'Ça marche: Ünïcode & more!'],
    ]);
    expect(sections[0]!.markdown).toContain('# not a section');
    expect(sections[0]!.markdown).toContain('## Sub heading stays');
    expect(sections[1]!.markdown.startsWith('# Ça marche')).toBe(true);
  });

  it('makes text before the first H1 section 0, titled from front matter or "Introduction"', () => {
    const pre = `Preamble ${body('intro')}\n\n# Next\n\n${body('next')}`;
    expect(splitLlmsFull(pre, 'https://x.dev/f.txt').map((s) => s.url)).toEqual([
      'https://x.dev/f.txt#section-0-introduction',
      'https://x.dev/f.txt#section-1-next',
    ]);
    const withTitle = `---\ntitle: "Widget Docs"\n---\n${body('intro')}\n\n# Next\n\n${body('next')}`;
    expect(splitLlmsFull(withTitle, 'https://x.dev/f.txt')[0]!.title).toBe('Widget Docs');
  });

  it('merges sections under 200 characters into the next one, the last into the previous one', () => {
    const text = `# Tiny\n\nshort\n\n# Big\n\n${body('big')}\n\n# Also big\n\n${body('also')}\n\n# End\n\nbye`;
    const sections = splitLlmsFull(text, 'https://x.dev/f.txt#frag');
    expect(sections.map((s) => s.title)).toEqual(['Big', 'Also big']);
    expect(sections.map((s) => s.url)).toEqual(['https://x.dev/f.txt#section-0-big', 'https://x.dev/f.txt#section-1-also-big']);
    expect(sections[0]!.markdown.startsWith('# Tiny\n\nshort\n\n# Big')).toBe(true);
    expect(sections[1]!.markdown.endsWith('# End\n\nbye')).toBe(true);
    for (const s of sections) expect(s.markdown.length).toBeGreaterThanOrEqual(200);
  });

  it('returns one section for a small file and nothing for an empty one', () => {
    expect(splitLlmsFull('# Only\n\ntiny', 'https://x.dev/f.txt')).toEqual([
      { url: 'https://x.dev/f.txt#section-0-only', title: 'Only', markdown: '# Only\n\ntiny' },
    ]);
    expect(splitLlmsFull('  \n ', 'https://x.dev/f.txt')).toEqual([]);
  });

  it('slugs are lower-case ascii with hyphens, at most 60 characters', () => {
    expect(slugify('  Hello, World!  ')).toBe('hello-world');
    expect(slugify('日本語')).toBe('untitled');
    const long = slugify('word '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
});
