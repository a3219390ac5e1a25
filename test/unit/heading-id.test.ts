import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownView } from '../../app/_components/markdown-view';
import { headingIds, headingText, sectionFragment, slugify } from '../../app/_lib/heading-id';
import { chunkMarkdown } from '../../server/services/ingest/chunker';

/** The ids MarkdownView gives headings, in order. */
const renderedIds = (markdown: string) =>
  [...renderToStaticMarkup(createElement(MarkdownView, { markdown })).matchAll(/<h[1-6] id="([^"]*)"/g)].map((m) => m[1]!);

describe('heading ids', () => {
  it('are prefixed slugs of any script, numbered when repeated', () => {
    expect(slugify('Stage 2: Levelling')).toBe('stage-2-levelling');
    expect(slugify('  Überprüfung der Größe ')).toBe('überprüfung-der-größe');
    expect(slugify('ウィジェットの配置')).toBe('ウィジェットの配置');
    expect(slugify('C# & C++ -- notes')).toBe('c-c-notes');
    const next = headingIds();
    expect(['Install', 'Usage', 'Install', 'Install', '!!!'].map(next)).toEqual(['h-install', 'h-usage', 'h-install-1', 'h-install-2', 'h-section']);
  });

  it('never take an id the page or a script relies on', () => {
    expect(renderedIds('# main\n\n## process\n\n## __proto__')).toEqual(['h-main', 'h-process', 'h-proto']);
  });

  it('resolve the Markdown a section path keeps to the text the heading shows', () => {
    expect(headingText('`frob.toml` \\_options\\_ &amp; more &#x41;')).toBe('`frob.toml` _options_ & more A');
    expect(sectionFragment([])).toBeNull();
  });

  it("match between a chunk's section path and the rendered page, for every chunk", () => {
    const markdown = [
      '# Guide A: configuring the frobnicator',
      'Intro.',
      '## `frob.toml` **options**',
      'Text about options. '.repeat(40),
      '### Escaped \\*stars\\* & [a link](https://example.com/x)',
      'More text. '.repeat(40),
      '## Example',
      'Example text. '.repeat(40),
      '## Überprüfung der Größe',
      'Prüfung. '.repeat(40),
    ].join('\n\n');
    const ids = renderedIds(markdown);
    const chunks = chunkMarkdown(markdown, { maxChars: 600, preferredChars: 500, minChars: 100 });
    const fragments = chunks.map((c) => sectionFragment(c.headingPath));
    expect(fragments.length).toBeGreaterThan(3);
    for (const f of fragments) expect(ids).toContain(f);
    expect(new Set(fragments)).toEqual(
      new Set(['h-guide-a-configuring-the-frobnicator', 'h-frobtoml-options', 'h-escaped-stars-a-link', 'h-example', 'h-überprüfung-der-größe']),
    );
  });
});
