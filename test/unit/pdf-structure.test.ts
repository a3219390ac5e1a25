import type { TextContent } from 'pdfjs-dist/types/src/display/api';
import { describe, expect, it } from 'vitest';
import { pdfLinesToMarkdown } from '../../server/services/converters/pdf-blocks';
import { type PdfLine, pageLines } from '../../server/services/converters/pdf-lines';
import { removePageFurniture } from '../../server/services/converters/pdf-page-furniture';
import { joinProse, restoreUnderscores } from '../../server/services/converters/pdf-prose';

// The defects real manuals showed (test/unit/pdf-corpus.test.ts has the
// manuals themselves), each on the smallest input that shows it.

const line = (text: string, y: number, extra: Partial<PdfLine> = {}): PdfLine => ({
  text,
  x: 90,
  y,
  size: 10.9,
  mono: false,
  charWidth: 0,
  ...extra,
});
const page = (lines: PdfLine[]) => ({ lines, bottom: 0, top: 792 });
const texts = (pages: PdfLine[][]) => pages.map((lines) => lines.map((l) => l.text));

type Item = { str: string; x: number; y?: number; width: number; size?: number; font?: string; eol?: boolean };
/** A page's text content as pdf.js gives it: runs in stream order, fonts by family. */
function content(items: Item[]): TextContent {
  return {
    items: items.map((i) => ({
      str: i.str,
      dir: 'ltr',
      transform: [i.size ?? 10.9, 0, 0, i.size ?? 10.9, i.x, i.y ?? 700],
      width: i.width,
      height: i.size ?? 10.9,
      fontName: i.font ?? 'sans',
      hasEOL: i.eol ?? false,
    })),
    styles: {
      sans: { fontFamily: 'sans-serif', ascent: 0.8, descent: -0.2, vertical: false },
      tt: { fontFamily: 'monospace', ascent: 0.8, descent: -0.2, vertical: false },
    },
    lang: null,
  } as unknown as TextContent;
}

describe('running headers with a changing part', () => {
  it('drops "Chapter n: name page" where the header stands, though chapter and page change', () => {
    const chapters = ['1 Introduction', '1 Introduction', '2 Structure handling', '3 Utilities', '3 Utilities', '4 Function reference'];
    const pages = chapters.map((chapter, n) =>
      page([
        line(`Chapter ${chapter.replace(' ', ': ')} ${n + 1}`, 733.9),
        line(`Text of page ${n + 1}, first line.`, 684.1),
        line('More text.', 671),
      ]),
    );
    expect(texts(removePageFurniture(pages))[3]).toEqual(['Text of page 4, first line.', 'More text.']);
  });

  it('keeps a heading that stands where headers stand, and a first line that differs on every page', () => {
    const titles = ['Introduction', 'Usage', 'Reference', 'Index'];
    const pages = titles.map((title, n) =>
      page([line(`${n + 1} ${title}`, 740, { size: 17.2 }), line(`What ${title.toLowerCase()} says.`, 700), line('Body.', 400)]),
    );
    expect(texts(removePageFurniture(pages))[1]).toEqual(['2 Usage', 'What usage says.', 'Body.']);
  });

  it('keeps the last line of a full page, though the same sentence ends other pages at the same place', () => {
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const pages = names.map((name, n) =>
      page([
        line(`Chapter 7: Reference ${n + 1}`, 733.9),
        line(`The ${name} function is described here.`, 684.1),
        line(`Initialize the ${name} state.`, 92.3),
        line(n === 0 || n === 2 ? 'Hash some more data.' : `Returns the ${name} digest.`, 79.2),
      ]),
    );
    expect(texts(removePageFurniture(pages))[2]).toEqual([
      'The gamma function is described here.',
      'Initialize the gamma state.',
      'Hash some more data.',
    ]);
  });

  it('drops a header that names its chapter, seen once: the title is set bigger elsewhere', () => {
    const chapters = ['Introduction', 'Using the core', 'Memcheck', 'Cachegrind'];
    const pages = chapters.map((chapter, n) =>
      page([line(chapter, 760, { x: 400 }), line(`${n + 1}. ${chapter}`, 700, { size: 17 }), line(`About ${chapter.toLowerCase()}.`, 680)]),
    );
    expect(texts(removePageFurniture(pages))[1]).toEqual(['2. Using the core', 'About using the core.']);
  });

  it('drops a bare page number a little above the bottom tenth of the page', () => {
    const pages = [1, 2, 3].map((n) => page([line(`Body ${n}.`, 400), line(`${n}`, 89.4)]));
    expect(texts(removePageFurniture(pages))[0]).toEqual(['Body 1.']);
  });
});

describe('margin labels and wrapped prototypes', () => {
  it('takes "[Function]" out of the line it was glued to and keeps the prototype in one piece', () => {
    const lines = pageLines(
      content([
        { str: '[Function]', x: 474, y: 684.1, width: 48 },
        { str: 'asn1_node asn1_dup_node', x: 90, y: 684.1, width: 113, font: 'tt' },
        { str: ' (asn1 node const src, const char *', x: 203, y: 684.1, width: 200, eol: true },
        { str: 'src_name)', x: 139.8, y: 671, width: 52, font: 'tt', eol: true },
        { str: 'src: Source asn1 node.', x: 118.8, y: 657.8, width: 110, eol: true },
      ]),
    );
    expect(lines[0]).toMatchObject({ text: 'asn1_node asn1_dup_node (asn1 node const src, const char *', label: 'Function' });
    const md = pdfLinesToMarkdown([lines.map((l, i) => (i < 2 ? { ...l, size: 12 } : l))], true);
    expect(md).toBe('Function: `asn1_node asn1_dup_node (asn1_node const src, const char * src_name)`\n\nsrc: Source asn1 node.');
  });
});

describe('paragraphs', () => {
  it('measures the line spacing: 13.1 pt lines, items 16.6 pt apart are one item each', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('definitions: pointer to the structure returned by', 700),
          line('"parser asn1" function', 686.9),
          line('source name: the name of the type of the new', 670.3),
          line('structure (must be inside p structure).', 657.2),
          line('element: pointer to the structure created.', 640.6),
          line('Creates a structure of type source_name.', 624),
          line('Example using "pkix.asn":', 610.9),
        ],
      ],
      true,
    );
    expect(md.split('\n\n')).toEqual([
      'definitions: pointer to the structure returned by "parser asn1" function',
      'source_name: the name of the type of the new structure (must be inside p structure).',
      'element: pointer to the structure created.',
      'Creates a structure of type source_name. Example using "pkix.asn":',
    ]);
  });

  it('starts a paragraph at a first-line indent when paragraphs have no space between them', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('Hash functions are useful as building', 500),
          line('blocks, and many other things.', 486.9),
          line('The most commonly used hash', 473.7, { x: 104.9 }),
          line('functions are MD5 and SHA1.', 460.6),
        ],
      ],
      true,
    );
    expect(md).toBe(
      'Hash functions are useful as building blocks, and many other things.\n\nThe most commonly used hash functions are MD5 and SHA1.',
    );
  });

  it('holds a footnote back until the paragraph that goes on over the page ends', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('Space for all the numbers is allocated dynamically.', 143.4),
          line('When you have assigned values to the attributes of a key, you', 113.8, { x: 104.9 }),
          line('1 Actually, the computation is done using the Chinese', 93.5, { size: 9, x: 95.9 }),
          line('remainder theorem (CRT).', 79.2, { size: 9, x: 104.9 }),
        ],
        [line('must call the prepare function.', 684.1), line('Next paragraph.', 660)],
      ],
      true,
    );
    expect(md).toBe(
      'Space for all the numbers is allocated dynamically.\n\nWhen you have assigned values to the attributes of a key, you must call the prepare function.\n\n' +
        '1 Actually, the computation is done using the Chinese remainder theorem (CRT).\n\nNext paragraph.',
    );
  });

  it('reads a dash that starts a line mid-sentence as text, not as a list item', () => {
    const md = pdfLinesToMarkdown([[line('starting with an ASCII digit (U+0030', 500), line('- U+0039) and ending with ".conf".', 489)]], true);
    expect(md).toBe('starting with an ASCII digit (U+0030 - U+0039) and ending with ".conf".');
  });
});

describe('hyphenation', () => {
  it('joins upper-case words and identifiers broken at the line end, without a space', () => {
    expect(joinProse(['If an element is OP-', 'TIONAL and the keyword "?CUR-', 'RENT" is'])).toBe(
      'If an element is OPTIONAL and the keyword "?CURRENT" is',
    );
    expect(joinProse(['more than ASN1_MAX_', 'NAME_SIZE characters'])).toBe('more than ASN1_MAX_NAME_SIZE characters');
    expect(joinProse(['controlled by --log-fd, --', 'log-file and --', 'log-socket'])).toBe('controlled by --log-fd, --log-file and --log-socket');
    expect(joinProse(['in priority order --', 'results of comparing'])).toBe('in priority order -- results of comparing');
    expect(joinProse(['It is equivalent to --vgdb-stop-', 'at=startup,exit.'])).toBe('It is equivalent to --vgdb-stop-at=startup,exit.');
    expect(joinProse(['show the name as foo/bar/', 'xyzzy.c.'])).toBe('show the name as foo/bar/xyzzy.c.');
  });

  it('keeps a hyphen that belongs to the word, and asks the document which one it is', () => {
    expect(joinProse(['block size b, HMAC-', 'H is constructed'])).toBe('block size b, HMAC-H is constructed');
    expect(joinProse(['for CMAC-', '64 with'])).toBe('for CMAC-64 with');
    expect(joinProse(['libexpat and Fc-', 'ConfigParse which'])).toBe('libexpat and Fc-ConfigParse which');
    expect(joinProse(['libexpat and Fc-', 'ConfigParse which'], new Set(['fcconfigparse']))).toBe('libexpat and FcConfigParse which');
    expect(joinProse(['a well-', 'known technique'], new Set(['well-known']))).toBe('a well-known technique');
    expect(joinProse(['the conver-', 'sion works'])).toBe('the conversion works');
  });
});

describe('underscores drawn as rules', () => {
  it('joins the words of a name the document sets elsewhere with its underscores', () => {
    const words = new Set(['asn1_node', 'size_t', 'hmac_sha256_ctx', 'asn1_number_of_elements']);
    expect(restoreUnderscores('int f (asn1 node * p, size t n, struct hmac sha256 ctx *ctx)', words)).toBe(
      'int f (asn1_node * p, size_t n, struct hmac_sha256_ctx *ctx)',
    );
    expect(restoreUnderscores('asn1 number of elements', words)).toBe('asn1_number_of_elements');
    expect(restoreUnderscores('the node size is the size', words)).toBe('the node size is the size');
  });

  it('restores them in texinfo prototypes, headings and parameter names', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('asn1 delete structure', 700, { size: 13.1 }),
          line('int asn1_delete_structure (asn1 node * structure)', 680, { size: 12, label: 'Function' }),
          line('error desc: the error description; the main type is asn1_node, and error_desc a buffer.', 660),
        ],
      ],
      true,
    );
    expect(md).toBe(
      '# asn1_delete_structure\n\nFunction: `int asn1_delete_structure (asn1_node * structure)`\n\nerror_desc: the error description; the main type is asn1_node, and error_desc a buffer.',
    );
  });
});

describe('tables of contents and indexes', () => {
  it('never makes headings of dot-leader entries, and leaves contents and index out of the Markdown', () => {
    const big = { size: 14.3 };
    const md = pdfLinesToMarkdown(
      [
        [
          line('Table of Contents', 700, { size: 17.2 }),
          line('1 Introduction . . . . . . . . . . . . . 1', 680, big),
          line('1.1 Overview . . . . . . . . . . . . . . 1', 665),
          line('Function and Data Index . . . . . . . 9', 650, big),
        ],
        [line('1 Introduction', 700, big), line('The text of the introduction, long enough to be the body.', 680)],
        [
          line('Function and Data Index', 700, { size: 17.2 }),
          line('A', 680, big),
          line('asn1_array2tree . . . . . . . . . . 9', 665),
          line('asn1_bit_der . . . . . . . . . . . . 17', 652),
          line('asn1_check_version . . . . . . . . 23', 639),
        ],
      ],
      true,
    );
    expect(md).toBe('## 1 Introduction\n\nThe text of the introduction, long enough to be the body.');
  });

  it('drops the entries of a "Contents" list that have no leaders, and the title of a chapter\'s contents list', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('2. How to use bzip2', 720, { size: 20 }),
          line('Table of Contents', 700, { size: 14 }),
          line('2.1. NAME . . . . . . . . . . . . . . . 2', 680),
          line('This chapter contains a copy of the man page.', 650),
          line('Contents', 600, { size: 14 }),
          line('1 Definition of CRC 2', 580),
          line('3.1 Incremental CRC computation . . . . . 4', 568),
          line('1 Definition of CRC', 500, { size: 14 }),
        ],
      ],
      true,
    );
    expect(md).toBe('# 2. How to use bzip2\n\nThis chapter contains a copy of the man page.\n\n## 1 Definition of CRC');
  });
});

describe('dotted lines that are content', () => {
  it('keeps a single dot-leader line in the text', () => {
    const md = pdfLinesToMarkdown([[line('The defaults are:', 500), line('Timeout . . . . . . . . . . . 30', 480), line('That is all.', 460)]], true);
    expect(md).toBe('The defaults are:\n\nTimeout . . . . . . . . . . . 30\n\nThat is all.');
  });
});

describe('aligned listings', () => {
  it('keeps the columns of a fixed-pitch line that pdf.js gave one wide space', () => {
    const [l] = pageLines(
      content([
        { str: '-c, --check', x: 101.5, width: 63, font: 'tt' },
        { str: ' ', x: 164.5, width: 63, font: 'tt' },
        { str: 'checks the syntax only', x: 227.5, width: 126, font: 'tt', eol: true },
      ]),
    );
    expect(l).toMatchObject({ text: '-c, --check           checks the syntax only', mono: true });
  });

  it('reads an XML line whose angle brackets come from another font as fixed pitch', () => {
    const lines = pageLines(
      content([
        { str: '<', x: 143.5, width: 7.2 },
        { str: '/match', x: 150.6, width: 32.3, font: 'tt' },
        { str: '>', x: 182.9, width: 7.2, eol: true },
        { str: '•', x: 90, y: 680, width: 5 },
        { str: 'INTEGER;', x: 101, y: 680, width: 43, font: 'tt', eol: true },
      ]),
    );
    expect(lines.map((l) => [l.text, l.mono])).toEqual([
      ['</match>', true],
      ['• INTEGER;', false],
    ]);
  });

  it('reads a proportional listing with line numbers as one code block, its letters no longer spaced out', () => {
    const lines = pageLines(
      content([
        { str: '1', x: 119.6, y: 655.1, width: 4.2 },
        { str: 'w h i l e ( d > D) {', x: 134.3, y: 655.1, width: 60, eol: true },
        { str: '2', x: 119.6, y: 645.6, width: 4.2 },
        { str: 'v >>= D;', x: 140, y: 645.6, width: 30, eol: true },
        { str: '3', x: 119.6, y: 636.2, width: 4.2 },
        { str: '}', x: 134.3, y: 636.2, width: 4, eol: true },
        { str: 'Listing 2: Multiplication of unnormalized polynomial', x: 119.6, y: 600, width: 200, eol: true },
      ]),
    );
    expect(pdfLinesToMarkdown([lines], true)).toBe('```\nwhile ( d > D) {\nv >>= D;\n}\n```\n\nListing 2: Multiplication of unnormalized polynomial');
  });

  it('keeps a superscript on its line: x³ stays "x3" in the sentence', () => {
    const lines = pageLines(
      content([
        { str: 'Addition: (x', x: 90, y: 600, width: 50 },
        { str: '3', x: 140, y: 603.6, width: 4, size: 7 },
        { str: ' + x + 1) is a polynomial.', x: 144, y: 600, width: 100, eol: true },
      ]),
    );
    expect(lines.map((l) => l.text)).toEqual(['Addition: (x3 + x + 1) is a polynomial.']);
  });

  it('keeps a sentence whole when its wrapped line is an identifier in code', () => {
    const md = pdfLinesToMarkdown(
      [
        [
          line('when it occurs in the function __gconv_transform, when that is called from', 500, { size: 9 }),
          line('mbtowc.', 489, { size: 9, mono: true, charWidth: 5.4 }),
          line('(See Writing suppression files for more details.)', 470, { size: 9 }),
          line('Use this command line:', 440, { size: 9 }),
          line('valgrind --tool=memcheck ls -l', 429, { size: 9, mono: true, charWidth: 5.4 }),
        ],
      ],
      true,
    );
    expect(md).toBe(
      'when it occurs in the function __gconv_transform, when that is called from mbtowc.\n\n(See Writing suppression files for more details.)\n\nUse this command line:\n\n```\nvalgrind --tool=memcheck ls -l\n```',
    );
  });

  it('keeps a listing with empty lines in one block when its lines are set loosely', () => {
    const code = (text: string, y: number) => line(text, y, { mono: true, charWidth: 5.4, size: 9, x: 119.6 });
    const lines = [
      code('AliasListEntry:', 213.2),
      code('4   CARD32  ALIAS_OFFSET', 201.55),
      code('4   CARD32  MIME_TYPE_OFFSET', 189.9),
      code('ParentList:', 166.49),
      code('4   CARD32  N_ENTRIES', 154.84),
      code('8*N_ENTRIES  ParentListEntry', 143.19),
    ];
    expect(pdfLinesToMarkdown([lines], true)).toBe(
      '```\nAliasListEntry:\n4   CARD32  ALIAS_OFFSET\n4   CARD32  MIME_TYPE_OFFSET\n\nParentList:\n4   CARD32  N_ENTRIES\n8*N_ENTRIES  ParentListEntry\n```',
    );
  });
});
