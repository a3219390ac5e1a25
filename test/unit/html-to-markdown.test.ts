import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCodeExamples } from '../../server/services/ingest/code-examples';
import { htmlToMarkdown } from '../../server/services/markdown/html-to-markdown';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/html', name), 'utf8');
const page = (body: string, head = '') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;
const md = (body: string, url = 'https://example.com/docs/page') => htmlToMarkdown(page(body), url).markdown;

/** Markdown with code blocks and code spans removed: what must be free of HTML. */
function prose(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?\n\1\s*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

function expectNoHtml(markdown: string) {
  expect(prose(markdown).replace(/<br>/g, '')).not.toMatch(/<\/?[a-z][a-z0-9-]*[\s>/]/i);
}

describe('htmlToMarkdown: Docusaurus page', () => {
  const result = htmlToMarkdown(fixture('docusaurus.html'), 'https://acme.dev/docs/installation');

  it('keeps the article and drops navbar, sidebar, breadcrumbs, TOC, edit link, pagination and footer', () => {
    for (const marker of [
      'NAVBRAND',
      'SIDEBAR',
      'BREADCRUMB',
      'MOBILETOC',
      'TOC Requirements',
      'EDITLINK',
      'PAGINATION',
      'FOOTER',
      'Skip to main content',
      'Copyright',
    ]) {
      expect(result.markdown).not.toContain(marker);
    }
    expect(result.markdown.startsWith('# Installation\n\nAcme needs `node` 20 or newer.')).toBe(true);
    expect(result.markdown).toContain('Prefer **pnpm**? It works too.');
    expectNoHtml(result.markdown);
  });

  it('renders nested lists, the Prism code block and headings without permalink symbols', () => {
    expect(result.markdown).toContain('## Requirements\n\n- A supported OS:\n  - Linux\n  - macOS *13+*\n- About **200 MB** of disk');
    expect(result.markdown).toContain('```bash\nnpm install @acme/cli\nacme init --yes\n```');
    expect(result.markdown).not.toMatch(/\u200b|#\]|\[#/);
    expect(result.markdown).toContain('### Verify');
  });

  it('keeps identifiers readable and makes links absolute', () => {
    expect(result.markdown).toContain('`acme_config_dir`');
    expect(result.markdown).toContain('[the configuration guide](https://acme.dev/configuration)');
  });

  it('collects every link of the page, navigation included, without fragments or non-page schemes', () => {
    expect(result.links).toEqual([
      'https://acme.dev/',
      'https://acme.dev/docs/intro',
      'https://acme.dev/blog',
      'https://github.com/acme/acme',
      'https://acme.dev/docs/installation',
      'https://acme.dev/docs/configuration',
      'https://acme.dev/configuration',
      'https://github.com/acme/acme/edit/main/docs/installation.md',
    ]);
  });

  it('reports title, description and heading anchors', () => {
    expect(result.title).toBe('Installation | Acme Docs');
    expect(result.description).toBe('How to install Acme on your machine.');
    expect(result.anchors).toEqual([
      { id: '', text: 'Installation', level: 1 },
      { id: 'requirements', text: 'Requirements', level: 2 },
      { id: 'install-with-npm', text: 'Install with npm', level: 2 },
      { id: 'verify', text: 'Verify', level: 3 },
    ]);
  });
});

describe('htmlToMarkdown: Sphinx / Read the Docs page', () => {
  const result = htmlToMarkdown(fixture('sphinx-rtd.html'), 'https://widget.readthedocs.io/en/latest/quickstart.html');

  it('uses [role=main] and drops the side menu, breadcrumbs, headerlinks and footer buttons', () => {
    for (const marker of ['NAVMENU', 'BREADCRUMB', 'View page source', 'FOOTERBUTTON', 'Built with', '¶', 'Copyright']) {
      expect(result.markdown).not.toContain(marker);
    }
    expect(result.markdown.startsWith('# Quickstart\n')).toBe(true);
    expectNoHtml(result.markdown);
  });

  it('takes the language from the highlight-python wrapper and keeps the code exact', () => {
    expect(result.markdown).toContain('```python\nimport widget\n\ndef main():\n    w = widget.Widget(size=3)\n    return w.spin()\n```');
  });

  it('renders the docutils table with an escaped pipe', () => {
    expect(result.markdown).toContain(
      '| Option | Default | Meaning |\n| --- | --- | --- |\n| `size` | 1 | How big \\| how wide |\n| `color` | `"red"` | Any CSS color |',
    );
  });

  it('finds anchors on the enclosing <section>', () => {
    expect(result.title).toBe('Quickstart — Widget 2.1 documentation');
    expect(result.anchors).toEqual([
      { id: 'quickstart', text: 'Quickstart', level: 1 },
      { id: 'options', text: 'Options', level: 2 },
    ]);
  });
});

describe('htmlToMarkdown: MkDocs Material page', () => {
  const result = htmlToMarkdown(fixture('mkdocs-material.html'), 'https://gizmo.dev/guide/setup/');

  it('drops header, both sidebars, the edit button and the footer', () => {
    for (const marker of ['HEADERLOGO', 'HEADERTITLE', 'PRIMARYNAV', 'SECONDARYTOC', 'FOOTERNEXT', 'Skip to content', 'Material for MkDocs']) {
      expect(result.markdown).not.toContain(marker);
    }
    expectNoHtml(result.markdown);
  });

  it('drops the line-number gutter and finds the language five levels up', () => {
    expect(result.markdown).toContain('```python\nfrom gizmo import load\ncfg = load("gizmo.yml")\nprint(cfg["name"])\n```');
    expect(result.markdown).not.toMatch(/^1$/m);
  });

  it('renders task lists, aligned tables and image alt text', () => {
    expect(result.markdown).toContain('- [x] Python 3.10\n- [ ] A database');
    expect(result.markdown).toContain('| Key | Type |\n| :--- | ---: |\n| `name` | string |');
    expect(result.markdown).toContain('Gizmo architecture diagram');
    expect(result.markdown).not.toContain('spacer');
    expect(result.anchors.map((a) => a.id)).toEqual(['setup', 'requirements', 'configure']);
  });
});

describe('htmlToMarkdown: PostgreSQL manual pages (DocBook)', () => {
  const numeric = htmlToMarkdown(fixture('datatype-numeric.html'), 'https://www.postgresql.org/docs/15/datatype-numeric.html');
  const join = htmlToMarkdown(fixture('tutorial-join.html'), 'https://www.postgresql.org/docs/15/tutorial-join.html');

  it('drops .navheader/.navfooter but keeps the div.sect1 content', () => {
    for (const result of [numeric, join]) {
      expect(result.markdown).not.toMatch(/\bPrev\b|\bNext\b|\bHome\b|\bUp\b/);
      expectNoHtml(result.markdown);
    }
    expect(numeric.markdown.startsWith('## 8.1. Numeric Types\n\nNumeric types consist of')).toBe(true);
    expect(numeric.markdown.length).toBeGreaterThan(10_000);
    expect(join.markdown.startsWith('## 2.6. Joins Between Tables\n')).toBe(true);
  });

  it('still collects the navigation links', () => {
    expect(numeric.links).toContain('https://www.postgresql.org/docs/15/datatype-money.html');
    expect(numeric.links).toContain('https://www.postgresql.org/docs/15/datatype.html');
  });

  it('converts the numeric types table', () => {
    expect(numeric.markdown).toContain(
      '| Name | Storage Size | Description | Range |\n| --- | --- | --- | --- |\n| `smallint` | 2 bytes | small-range integer | -32768 to +32767 |',
    );
  });

  it('keeps psql output aligned in code blocks and code inside list items', () => {
    expect(join.markdown).toContain('```\n     city      | temp_lo | temp_hi | prcp |    date    |     name      | location\n---------------+');
    expect(join.markdown).toContain(
      '  ```\n  SELECT city, temp_lo, temp_hi, prcp, date, location\n      FROM weather JOIN cities ON city = name;\n  ```',
    );
  });

  it('takes anchors from the div.sect1/div.sect2 ids', () => {
    expect(numeric.title).toBe('8.1. Numeric Types');
    expect(numeric.anchors.filter((a) => a.id)).toEqual([
      { id: 'DATATYPE-NUMERIC', text: '8.1. Numeric Types', level: 2 },
      { id: 'DATATYPE-INT', text: '8.1.1. Integer Types', level: 3 },
      { id: 'DATATYPE-NUMERIC-DECIMAL', text: '8.1.2. Arbitrary Precision Numbers', level: 3 },
      { id: 'DATATYPE-FLOAT', text: '8.1.3. Floating-Point Types', level: 3 },
      { id: 'DATATYPE-SERIAL', text: '8.1.4. Serial Types', level: 3 },
    ]);
  });
});

describe('htmlToMarkdown: links', () => {
  it('resolves against <base href>, drops fragments and non-page schemes, deduplicates in order', () => {
    const html = page(
      `<a href="b.html#x">1</a><a href="/abs">2</a><a href="b.html">3</a><a href="#top">4</a><a href="javascript:void(0)">5</a>
       <a href="mailto:a@b.c">6</a><a href="tel:123">7</a><a href="data:text/html,hi">8</a><a href=" https://other.org/p?q=1#frag ">9</a><a href="">10</a>`,
      '<base href="https://cdn.example.com/docs/v2/">',
    );
    expect(htmlToMarkdown(html, 'https://example.com/page').links).toEqual([
      'https://cdn.example.com/docs/v2/b.html',
      'https://cdn.example.com/abs',
      'https://other.org/p?q=1',
    ]);
  });

  it('keeps fragments in Markdown links and drops javascript: links to their text', () => {
    const out = md('<p><a href="#install">Install</a> or <a href="javascript:go()">go</a> or <a href="a (1).html">paren</a></p>');
    expect(out).toBe('[Install](https://example.com/docs/page#install) or go or [paren](https://example.com/docs/a%20%281%29.html)');
  });

  it('turns images into alt text, also inside links, and drops images without alt', () => {
    expect(md('<p>A <img src="x.png" alt="diagram"> B <img src="y.png"> <a href="/z"><img src="z.png" alt="Zed"></a></p>')).toBe(
      'A diagram B [Zed](https://example.com/z)',
    );
  });
});

describe('htmlToMarkdown: main content choice and boilerplate', () => {
  it('falls back to <body> when <main> holds under 20% of the text', () => {
    const body = `<main><p>Hero.</p></main><div class="text"><p>${'Real content sentence. '.repeat(20)}</p></div>`;
    const out = md(body);
    expect(out).toContain('Hero.');
    expect(out).toContain('Real content sentence.');
  });

  it('prefers main over .content and ignores everything outside it', () => {
    const out = md(`<div class="content">OUTSIDE</div><main><p>${'Inside main. '.repeat(10)}</p></main>`);
    expect(out).not.toContain('OUTSIDE');
  });

  it('removes hidden, aria-hidden, display:none, forms, buttons, scripts and consent banners', () => {
    const out = md(`<main>
      <p>Keep me.</p><p hidden>H1</p><p aria-hidden="true">H2</p><p style="display: none">H3</p>
      <form><input value="H4"><button>H5</button></form><script>H6()</script><style>.h7{}</style><noscript>H8</noscript>
      <template><p>H9</p></template><iframe src="x">H10</iframe><div id="onetrust-consent-sdk">We use cookies H11</div>
      <p>Keep me too.</p></main>`);
    expect(out).toBe('Keep me.\n\nKeep me too.');
  });

  it('removes .toc, .sidebar, .breadcrumb, .pagination, .navbar, [role=navigation] and anchor-only links', () => {
    const out = md(`<article><h2 id="a">Alpha<a class="anchor" href="#a">#</a></h2><div class="toc">T1</div><div class="sidebar">T2</div>
      <ol class="breadcrumb"><li>T3</li></ol><div class="pagination">T4</div><div class="navbar">T5</div><div role="navigation">T6</div>
      <p>Body of alpha.</p><h3>Beta <a href="#beta">¶</a></h3></article>`);
    expect(out).toBe('## Alpha\n\nBody of alpha.\n\n### Beta');
  });

  it('keeps a page whose every part looks like boilerplate rather than returning nothing', () => {
    const out = md('<nav><ul><li><a href="/a">Alpha</a></li><li><a href="/b">Beta</a></li></ul></nav>');
    expect(out).toBe('- [Alpha](https://example.com/a)\n- [Beta](https://example.com/b)');
  });

  it('drops a site <header> but keeps a <header> with the heading inside the article', () => {
    const out = md(
      `<header><h1>Site name</h1><a href="/">home</a></header><article><header><h1>Page title</h1></header><p>${'Text. '.repeat(30)}</p></article>`,
    );
    expect(out.startsWith('# Page title\n\nText.')).toBe(true);
    expect(out).not.toContain('Site name');
  });
});

describe('htmlToMarkdown: code', () => {
  it.each([
    ['<pre class="language-ts"><code>x</code></pre>', 'ts'],
    ['<pre><code class="lang-rust">x</code></pre>', 'rust'],
    ['<pre><code class="hljs language-go">x</code></pre>', 'go'],
    ['<div class="highlight-console notranslate"><div class="highlight"><pre>x</pre></div></div>', 'console'],
    ['<div class="highlight highlight-source-python"><pre>x</pre></div>', 'python'],
    ['<div class="sourceCode"><pre class="sourceCode haskell"><code class="sourceCode haskell">x</code></pre></div>', 'haskell'],
    ['<pre class="brush: js; gutter: false">x</pre>', 'js'],
    ['<pre data-lang="sql">x</pre>', 'sql'],
    ['<pre><code data-language="yaml">x</code></pre>', 'yaml'],
    ['<div class="highlight-default notranslate"><pre>x</pre></div>', ''],
    ['<pre class="programlisting">x</pre>', ''],
  ])('%s → language %j', (html, lang) => {
    expect(md(html)).toBe('```' + lang + '\nx\n```');
  });

  it('keeps whitespace exactly, including tabs, indentation and blank lines', () => {
    const code = 'def f():\n\tif x:\n        return  1\n\n\n\n    # done';
    expect(md(`<pre><code>\n${code}\n</code></pre>`)).toBe('```\n' + code + '\n```');
  });

  it('uses a fence longer than any backtick run inside', () => {
    expect(md('<pre>Use ```js fences\nor ````</pre>')).toBe('`````\nUse ```js fences\nor ````\n`````');
  });

  it('does not leak highlighter markup, and reads <br> and per-line divs as newlines', () => {
    const highlighted =
      '<pre class="language-js"><code><span class="token keyword">const</span> <span class="token">a</span> <span class="token operator">&lt;</span> <span>b</span>;<br><span>next</span></code></pre>';
    expect(md(highlighted)).toBe('```js\nconst a < b;\nnext\n```');
    expect(md('<pre><div class="line">one</div><div class="line">  two</div></pre>')).toBe('```\none\n  two\n```');
  });

  it('renders inline code with backticks, padding when the code itself has one', () => {
    expect(md('<p>Run <code>npm  test</code>, type <code>`</code> or <kbd>Ctrl</kbd>+<kbd>C</kbd>.</p>')).toBe(
      'Run `npm test`, type `` ` `` or `Ctrl`+`C`.',
    );
  });

  it('hands the class language to code-example extraction, normalised, and detection covers <pre> without one', () => {
    const shell = 'frob level --trays 12 --tolerance 0.5 --log /var/log/frob.log';
    const html =
      '<h2>Use</h2><p>Arrange them:</p><pre class="language-ts"><code>const result: Result = frobnicate({ widgets: 12 });</code></pre>' +
      `<div class="highlight highlight-source-shell"><pre>${shell}</pre></div>` +
      '<pre><code class="lang-py">def arrange(widgets):\n    return sorted(widgets)</code></pre>' +
      '<pre>SELECT id, name FROM widgets WHERE weight &gt; 10 ORDER BY name;</pre>';
    const examples = extractCodeExamples(md(html), 'Page');
    expect(examples.map((e) => e.language)).toEqual(['typescript', 'bash', 'python', 'sql']);
    expect(examples[0]).toMatchObject({ name: 'Use', summary: 'Arrange them.' });
    expect(examples[3]!.code).toContain('weight > 10');
  });
});

describe('htmlToMarkdown: tables and lists', () => {
  it('promotes a first row of <td> to the header and pads colspans and rowspans', () => {
    const out = md(`<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td colspan="2">wide</td><td>x</td></tr>
      <tr><td rowspan="2">tall</td><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>`);
    expect(out).toBe('| a | b | c |\n| --- | --- | --- |\n| wide |   | x |\n| tall | 1 | 2 |\n|   | 3 | 4 |');
  });

  it('joins block content of a cell with <br> and lists inside cells stay readable', () => {
    const out = md(
      '<table><thead><tr><th>K</th><th>V</th></tr></thead><tbody><tr><td><p>one</p><p>two</p></td><td><ul><li>x</li><li>y</li></ul></td></tr></tbody></table>',
    );
    expect(out).toBe('| K | V |\n| --- | --- |\n| one<br>two | - x<br>- y |');
  });

  it('renders layout tables (one cell, or holding a table) as plain blocks', () => {
    expect(md('<table><tr><td><p>Only cell</p></td></tr></table>')).toBe('Only cell');
    const nested = md('<table><tr><td><table><tr><th>h</th></tr><tr><td>v</td></tr></table></td><td>side</td></tr></table>');
    expect(nested).toBe('| h |\n| --- |\n| v |\n\nside');
  });

  it('renders ordered lists from their start, nested lists and multi-paragraph items', () => {
    const out = md('<ol start="3"><li>three</li><li><p>four</p><p>more</p><ol><li>sub</li></ol></li></ol>');
    expect(out).toBe('3. three\n4. four\n\n   more\n\n   1. sub');
    expect(md('<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>')).toBe('- a\n  - b\n    - c');
  });
});

describe('htmlToMarkdown: text, headings and metadata', () => {
  it('escapes only what would change the meaning', () => {
    const out = md(
      '<p>pg_stat_activity and _private and 2 * 3 and *star* and &lt;div&gt; and a [b](c)</p><p>1. not a list</p><p># not a heading</p>',
    );
    expect(out).toBe('pg_stat_activity and \\_private and 2 * 3 and \\*star\\* and \\<div> and a [b\\](c)\n\n1\\. not a list\n\n\\# not a heading');
  });

  it('collapses whitespace, converts <br> and never leaves 3+ blank lines', () => {
    const out = md('<p>a\n   b<br>c</p><div><br><br><br></div><p>\n\n d </p>');
    expect(out).toBe('a b\nc\n\nd');
    expect(out).not.toMatch(/\n{3,}/);
  });

  it('takes heading ids from the heading, an inner <a name>, a preceding <a id> or the opening section', () => {
    const result = htmlToMarkdown(
      page(`<main><h1 id="top">Top</h1><h2><a name="inner"></a>Inner</h2><a id="before"></a><h2>Before</h2>
        <section id="sec"><h3>Sectioned</h3><p>x</p></section><div id="not-first"><p>x</p><h3>Late</h3></div>
        <h4><span class="mw-headline" id="Wiki">Wiki</span></h4></main>`),
      'https://example.com/',
    );
    expect(result.anchors).toEqual([
      { id: 'top', text: 'Top', level: 1 },
      { id: 'inner', text: 'Inner', level: 2 },
      { id: 'before', text: 'Before', level: 2 },
      { id: 'sec', text: 'Sectioned', level: 3 },
      { id: '', text: 'Late', level: 3 },
      { id: 'Wiki', text: 'Wiki', level: 4 },
    ]);
  });

  it('falls back from <title> to og:title to the first h1, and from description to og:description', () => {
    const head = (h: string) => htmlToMarkdown(page('<h1>  Heading  one </h1><p>x</p>', h), 'https://e.com/');
    expect(head('<title>\n  Spaced\n  title </title><meta property="og:title" content="OG">').title).toBe('Spaced title');
    expect(head('<meta property="og:title" content="OG title"><meta property="og:description" content=" og desc ">')).toMatchObject({
      title: 'OG title',
      description: 'og desc',
    });
    expect(head('')).toMatchObject({ title: 'Heading one', description: null });
    expect(htmlToMarkdown('<p>no title</p>', 'https://e.com/').title).toBe('');
    expect(head('<title><svg><title>icon</title></svg></title>').title).not.toBe('icon');
  });

  it('ends a heading left open (no closing tag) at its first block, rather than making the rest of the page one heading', () => {
    const result = htmlToMarkdown(
      '<h1>Guide<p>The whole guide.</p><h2 id="install">Install<p>Run the installer.</p><pre><code>npm i widgets</code></pre><h2>Use<p>Call it.</p>',
      'https://e.com/',
    );
    expect(result.markdown).toBe('# Guide\n\nThe whole guide.\n\n## Install\n\nRun the installer.\n\n```\nnpm i widgets\n```\n\n## Use\n\nCall it.');
    expect(result.anchors).toEqual([
      { id: '', text: 'Guide', level: 1 },
      { id: 'install', text: 'Install', level: 2 },
      { id: '', text: 'Use', level: 2 },
    ]);
    expect(result.title).toBe('Guide');
    // A heading whose text is in a block of its own stays one heading.
    expect(md('<h2><div>Boxed <em>title</em></div></h2><p>Body.</p>')).toBe('## Boxed *title*\n\nBody.');
  });

  it('handles empty and fragment-only input', () => {
    expect(htmlToMarkdown('', 'https://e.com/')).toEqual({ title: '', markdown: '', links: [], anchors: [], description: null });
    expect(htmlToMarkdown('<p>Just <b>a</b> fragment</p>', 'https://e.com/').markdown).toBe('Just **a** fragment');
  });
});

describe('htmlToMarkdown: hostile input', () => {
  it('survives very deep nesting of blocks and inline elements', () => {
    expect(md('<div>'.repeat(20_000) + 'deep' + '</div>'.repeat(20_000))).toBe('deep');
    expect(md('<b>'.repeat(5_000) + 'bold')).toBe('**bold**');
    expect(md('<p>' + '<span>'.repeat(20_000) + 'span' + '</span>'.repeat(20_000) + '</p>')).toBe('span');
  });

  it('drops NUL and other control characters that PostgreSQL text cannot hold', () => {
    expect(md('<p>a\u0000b\u0007c</p><pre>x\u0000y</pre><code>p\u0001q</code>')).toBe('abc\n\n```\nxy\n```\n\n`pq`');
  });

  it('stays linear on long whitespace runs and bracket runs (a quadratic regex would time out here)', () => {
    const spaces = ' \t'.repeat(200_000);
    expect(md(`<pre>a${spaces}b</pre>`).length).toBeGreaterThan(400_000);
    expect(md(`<p><b>a${'<br>'.repeat(100_000)}b</b> <a href="/x">c${'<br>'.repeat(100_000)}</a></p>`)).toContain('[c](https://example.com/x)');
    expect(md(`<h2>${'['.repeat(100_000)}${'x](y'.repeat(50_000)}</h2>`).startsWith('## ')).toBe(true);
  });
});
