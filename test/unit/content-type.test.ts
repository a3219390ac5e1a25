import { describe, expect, it } from 'vitest';
import { classifyContent, decodeBody, guessEncoding } from '../../server/services/markdown/content-type';
import { encodeAs, GUESSABLE } from '../fixtures/legacy-encodings';

const buf = (s: string) => Buffer.from(s);

describe('classifyContent', () => {
  it.each([
    ['text/html; charset=utf-8', 'https://x.dev/a', 'whatever', 'html'],
    ['application/xhtml+xml', 'https://x.dev/a', '', 'html'],
    ['text/markdown', 'https://x.dev/a', '', 'markdown'],
    ['text/x-markdown', 'https://x.dev/a', '', 'markdown'],
    ['text/plain', 'https://x.dev/README.md', '', 'markdown'],
    ['text/plain', 'https://x.dev/page.mdx?raw=1', '', 'markdown'],
    ['text/plain', 'https://x.dev/notes.markdown', '', 'markdown'],
    ['text/plain', 'https://x.dev/llms.txt', '# Title', 'text'],
    ['application/xml', 'https://x.dev/sitemap.xml', '', 'xml'],
    ['text/xml', 'https://x.dev/s', '', 'xml'],
    ['application/rss+xml', 'https://x.dev/feed', '', 'xml'],
    ['image/png', 'https://x.dev/a.png', '', 'binary'],
    ['application/pdf', 'https://x.dev/a.pdf', '', 'binary'],
    ['text/css', 'https://x.dev/a.css', '', 'text'],
    ['application/json', 'https://x.dev/a.json', '{}', 'text'],
  ])('%s for %s → %s', (type, url, body, kind) => {
    expect(classifyContent(type, url, buf(body))).toBe(kind);
  });

  it.each([
    ['', '<!DOCTYPE html><html><body>x</body></html>', 'https://x.dev/a', 'html'],
    ['application/octet-stream', '\n  <html lang="en"><head>', 'https://x.dev/a', 'html'],
    ['', '<!-- generated --><!doctype html><p>', 'https://x.dev/a', 'html'],
    [
      '',
      '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN"><html xmlns="http://www.w3.org/1999/xhtml">',
      'https://x.dev/a',
      'html',
    ],
    ['', '<?xml version="1.0"?><urlset>', 'https://x.dev/a', 'xml'],
    ['binary/octet-stream', '<urlset xmlns="x">', 'https://x.dev/a', 'xml'],
    ['', '# Readme\n\nText', 'https://x.dev/README.md', 'markdown'],
    ['', 'Just words', 'https://x.dev/notes', 'text'],
    ['', '%PDF-1.7\n...', 'https://x.dev/doc', 'binary'],
  ])('sniffs %j + %j → %s', (type, body, url, kind) => {
    expect(classifyContent(type, url, buf(body))).toBe(kind);
  });

  it('calls a body with NUL bytes in the first KiB binary, but not one with NULs later', () => {
    expect(classifyContent('', 'https://x.dev/a.md', Buffer.from([0x23, 0x20, 0x00, 0x41]))).toBe('binary');
    expect(classifyContent('', 'https://x.dev/a.md', Buffer.concat([buf('#'.repeat(2000)), Buffer.from([0])]))).toBe('markdown');
  });
});

describe('decodeBody', () => {
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1

  it('uses the header charset, else UTF-8 when the bytes are UTF-8, else a guess', () => {
    expect(decodeBody(latin1, 'iso-8859-1', 'text')).toBe('café');
    expect(decodeBody(buf('café'), null, 'text')).toBe('café');
    expect(decodeBody(latin1, null, 'text')).toBe('café');
  });

  it('reads <meta charset> and http-equiv in the first 2 KiB of HTML only', () => {
    const meta = Buffer.concat([buf('<html><head><meta charset="windows-1252"><title>'), Buffer.from([0x80]), buf('</title>')]);
    expect(decodeBody(meta, null, 'html')).toContain('<title>€</title>');
    // 0xE9 is é in Windows-1252, the guess for so little evidence, and И in KOI8-R.
    const equiv = Buffer.concat([buf('<meta http-equiv="Content-Type" content="text/html; charset=KOI8-R">'), latin1]);
    expect(decodeBody(equiv, null, 'html').endsWith('cafИ')).toBe(true);
    expect(decodeBody(equiv, null, 'text').endsWith('café')).toBe(true);
    const late = Buffer.concat([buf(' '.repeat(3000)), buf('<meta charset="koi8-r">'), latin1]);
    expect(decodeBody(late, null, 'html').endsWith('café')).toBe(true);
  });

  it('lets the header win over <meta> and over a guess, and takes an unknown label for none', () => {
    const html = buf('<meta charset="iso-8859-1">café');
    expect(decodeBody(html, 'utf-8', 'html').endsWith('café')).toBe(true);
    expect(decodeBody(buf('café'), 'x-no-such-charset', 'text')).toBe('café');
    expect(decodeBody(latin1, 'x-no-such-charset', 'text')).toBe('café');
    const russian = encodeAs('Привет, мир! Это проверка кодировки.', 'windows-1251');
    expect(decodeBody(russian, 'windows-1252', 'text')).toBe('Ïðèâåò, ìèð! Ýòî ïðîâåðêà êîäèðîâêè.');
  });

  it('drops NUL characters, which PostgreSQL text cannot hold', () => {
    expect(decodeBody(Buffer.from('a\u0000b'), null, 'text')).toBe('ab');
  });

  it('strips a BOM, which also decides the encoding', () => {
    expect(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf('hi')]), null, 'text')).toBe('hi');
    expect(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf('hé')]), 'iso-8859-1', 'text')).toBe('hé');
    expect(decodeBody(Buffer.from([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00]), null, 'text')).toBe('hi');
  });
});

describe('decodeBody: guessing an undeclared legacy encoding (chardet)', () => {
  it.each(GUESSABLE)('%s in %s', (_language, label, text) => {
    expect(decodeBody(encodeAs(text, label), null, 'text')).toBe(text);
    expect(guessEncoding(encodeAs(text, label))).not.toBe('utf-8');
  });

  it('keeps windows-1252 for Western text with little evidence, where chardet alone would say ISO-8859-2', () => {
    for (const text of ['naïve café', 'Ça va très bien', 'Grüße aus Köln', 'Résumé', 'Copyright © 2019']) {
      expect(decodeBody(encodeAs(text, 'windows-1252'), null, 'text')).toBe(text);
    }
  });

  it('reads UTF-8 with one stray byte as UTF-8, not as a legacy encoding', () => {
    const body = Buffer.concat([buf('日本語のテキスト、ちょっと長めの文章です。'.repeat(4)), Buffer.from([0xff]), buf(' Grüße')]);
    expect(decodeBody(body, null, 'text')).toBe(`${'日本語のテキスト、ちょっと長めの文章です。'.repeat(4)}\ufffd Grüße`);
  });
});

describe('decodeBody: windows-1252', () => {
  it('decodes 0x80–0x9F as the web does (€, curly quotes, dashes), also for the latin1 labels', () => {
    const bytes = Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94, 0x20, 0x96, 0x20, 0x99]);
    for (const label of ['windows-1252', 'iso-8859-1', 'latin1', 'us-ascii']) {
      expect(decodeBody(bytes, label, 'text')).toBe('€ “q” – ™');
    }
  });
});
