import { describe, expect, it } from 'vitest';
import { DocumentRejected } from '../../server/services/converters/document-rejected';
import { firstH1, stripFrontMatter } from '../../server/services/converters/markdown-title';
import { documentToMarkdown } from '../../server/services/converters/to-markdown';
import { encodeAs, GUESSABLE } from '../fixtures/legacy-encodings';

const convert = (name: string, text: string | Buffer) => documentToMarkdown(name, Buffer.isBuffer(text) ? text : Buffer.from(text));

describe('documentToMarkdown: Markdown', () => {
  it('strips YAML front matter and takes its title', async () => {
    const source = '---\ntitle: "Release: 2.0"\ntags: [a, b]\n---\n\n# Changelog\r\n\r\nFixed things.\n';
    expect(await convert('CHANGELOG.md', source)).toEqual({ format: 'markdown', title: 'Release: 2.0', markdown: '# Changelog\n\nFixed things.' });
  });

  it('uses the first H1 (not one inside a code block) when there is no front matter title', async () => {
    const source = '```\n# not a heading\n```\n\nIntro\n\nReal *Title*\n===\n\n# Later\n';
    expect((await convert('doc.md', source)).title).toBe('Real Title');
    expect((await convert('notes.md', '---\ndraft: true\n---\nNo heading.')).title).toBe('notes');
  });

  it('leaves a leading thematic break that is not front matter alone', () => {
    expect(stripFrontMatter('---\n\nText')).toEqual({ markdown: '---\n\nText', title: null });
    expect(firstH1('## Two\n\n# One `code`')).toBe('One code');
  });
});

describe('documentToMarkdown: plain text', () => {
  it('decodes Windows-1252 with CRLF line ends', async () => {
    const bytes = Buffer.from([0x4e, 0x61, 0xef, 0x76, 0x65, 0x20, 0x80, 0x35, 0x0d, 0x0a, 0x6f, 0x6b, 0x0d, 0x0a]);
    expect(await convert('prices.txt', bytes)).toEqual({ format: 'text', title: 'prices', markdown: 'Naïve €5\nok' });
  });

  it('finds the legacy encoding of a file that is not UTF-8 (chardet), keeping Windows-1252 for little evidence', async () => {
    for (const [language, label, text] of GUESSABLE) {
      expect((await convert(`${language}.txt`, encodeAs(text, label))).markdown, `${language} in ${label}`).toBe(text);
    }
    // Without a text extension only UTF-8 is believed, whatever chardet would say.
    await expect(convert('russian', encodeAs(GUESSABLE.find(([, l]) => l === 'windows-1251')![2], 'windows-1251'))).rejects.toThrow(/binary data/);
  });

  it('decodes UTF-16 with a byte-order mark, little and big endian', async () => {
    const text = 'Grüße 日本\r\nzweite Zeile\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect((await convert('le.txt', le)).markdown).toBe('Grüße 日本\nzweite Zeile');
    expect((await convert('be.txt', be)).markdown).toBe('Grüße 日本\nzweite Zeile');
  });

  it('rejects a whitespace-only file', async () => {
    await expect(convert('empty.md', '\n \n')).rejects.toBeInstanceOf(DocumentRejected);
    await expect(convert('empty.md', '\n \n')).rejects.toThrow('empty.md is empty');
  });

  it('rejects a file of only invisible characters (zero-width spaces, joiners, a stray BOM) rather than storing a blank page', async () => {
    for (const text of ['\u200b\n\u00a0\n', '\u200c\u200d\u2060\n', '\ufeff\ufeff \n']) {
      await expect(convert('blank.md', text), JSON.stringify(text)).rejects.toBeInstanceOf(DocumentRejected);
      await expect(convert('blank.txt', text), JSON.stringify(text)).rejects.toThrow(/blank\.txt (is empty|has no text)/);
    }
    expect((await convert('blank.md', '\u200bHello')).markdown).toBe('\u200bHello');
  });
});

describe('documentToMarkdown: HTML', () => {
  it('decodes a legacy-encoded HTML file in the charset it declares (<meta> or the XML declaration), not a guess', async () => {
    const cases: [name: string, label: string, html: string, markdown: string][] = [
      [
        'ru.html',
        'windows-1251',
        '<html><head><meta charset="windows-1251"><title>Привет</title></head><body><p>Мир дом</p></body></html>',
        'Мир дом',
      ],
      [
        'ja.html',
        'shift_jis',
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=shift_jis"></head><body><h1>日本語</h1><p>テスト</p></body></html>',
        '# 日本語\n\nテスト',
      ],
      [
        'el.xhtml.html',
        'iso-8859-7',
        '<?xml version="1.0" encoding="iso-8859-7"?><html><body><h1>Καλημέρα</h1><p>κόσμε</p></body></html>',
        '# Καλημέρα\n\nκόσμε',
      ],
    ];
    for (const [name, label, html, markdown] of cases) expect((await convert(name, encodeAs(html, label))).markdown, name).toBe(markdown);
  });

  it('converts the main content and takes the first H1 as title', async () => {
    const html = `<!doctype html><html><head><title>Site | Page</title></head><body>
      <nav><a href="/">Home</a><a href="/docs">Docs</a></nav>
      <main><h1>Configuring <code>archon</code></h1><p>Set <strong>PORT</strong> first.</p>
      <pre><code class="language-sh">export PORT=8080</code></pre>
      <ul><li>one</li><li>two</li></ul></main></body></html>`;
    const result = await convert('config.html', html);
    expect(result.format).toBe('html');
    expect(result.title).toBe('Configuring archon');
    expect(result.markdown).toContain('# Configuring `archon`');
    expect(result.markdown).toContain('Set **PORT** first.');
    expect(result.markdown).toContain('```sh\nexport PORT=8080\n```');
    expect(result.markdown).toContain('- one\n- two');
    expect(result.markdown).not.toContain('Home');
  });

  it('keeps relative links relative', async () => {
    const html = '<p><a href="other.html#x">other</a>, <a href="#top">top</a> and <a href="https://e.example/">abs</a>.</p>';
    expect((await convert('links.html', html)).markdown).toBe('[other](other.html#x), [top](#top) and [abs](https://e.example/).');
  });

  it('falls back to the <title> without an H1', async () => {
    expect((await convert('page.htm', '<html><head><title>Only Title</title></head><body><p>Body text.</p></body></html>')).title).toBe('Only Title');
  });
});

describe('documentToMarkdown: reStructuredText', () => {
  const source = `.. This comment disappears
   along with its continuation.

==============
 Project Guide
==============

Intro with \`\`inline code\`\`, a \`link <https://example.com/docs>\`_ and \`Python\`_.

Install
=======

Run this::

    pip install thing
    thing --version

.. code-block:: python
   :linenos:

   def main():
       return 1

Options
-------

* first item
* second item uses :func:\`~pkg.mod.call\`

  - nested item

#. one
#. two

.. note::
   Be careful with *this*.

.. _Python: https://www.python.org/
`;

  it('converts sections, code, lists, links and admonitions', async () => {
    const result = await convert('guide.rst', source);
    expect(result.format).toBe('rst');
    expect(result.title).toBe('Project Guide');
    expect(result.markdown).toBe(
      [
        '# Project Guide',
        'Intro with `inline code`, a [link](https://example.com/docs) and [Python](https://www.python.org/).',
        '## Install',
        'Run this:',
        '```\npip install thing\nthing --version\n```',
        '```python\ndef main():\n    return 1\n```',
        '### Options',
        '- first item\n- second item uses `call`\n\n  - nested item',
        '1. one\n2. two',
        '> **Note:** Be careful with *this*.',
      ].join('\n\n'),
    );
    expect(result.markdown).not.toContain('comment');
  });
});
