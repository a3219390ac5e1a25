// A query that is exactly an identifier ranks the section documenting it first, ahead of longer names that share
// its prefix: a C library reference (lib_decode, lib_decode_start, lib_decode_element…), configuration parameters
// (work_mem, maintenance_work_mem), camelCase calls (PQexec, PQexecParams), C++ names (std::vector, std::vector_bool),
// dotted members (foo.bar(), foo.bar_baz()) and camelCase methods (getElement, getElementById).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryIdentifier } from '../../server/services/search/exact-identifier';
import { type DocsSite, fixturePage, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/** Each entry is a section of the reference: its identifier, and what it says. Longer names mention the shorter ones. */
const ENTRIES: [string, string][] = [
  ['lib_decode', 'Decodes one complete buffer and returns the number of elements read. It is the one-call form.'],
  [
    'lib_decode_start',
    'Starts an incremental decoding session. Call lib_decode_element for each element, then lib_decode_end. Unlike lib_decode, it keeps state.',
  ],
  [
    'lib_decode_element',
    'Decodes the next element of a session begun with lib_decode_start. Returns zero when the lib_decode session has no more elements.',
  ],
  ['lib_decode_end', 'Ends a session begun with lib_decode_start and frees its state. A lib_decode_element call after it fails.'],
  ['lib_decoder_new', 'Allocates a decoder object for the lib_decode family, configured with default options.'],
  [
    'work_mem',
    'Sets the base maximum amount of memory used by a query operation such as a sort or hash table before writing to temporary disk files.',
  ],
  [
    'maintenance_work_mem',
    'Specifies the maximum amount of memory used by maintenance operations such as VACUUM and CREATE INDEX. Larger than work_mem.',
  ],
  ['autovacuum_work_mem', 'Specifies the maximum amount of memory used by each autovacuum worker process; by default maintenance_work_mem is used.'],
  ['PQexec', 'Submits a command to the server and waits for the result.'],
  [
    'PQexecParams',
    'Submits a command to the server and waits for the result, with the ability to pass parameters separately from the command text. Like PQexec.',
  ],
  ['PQexecPrepared', 'Sends a request to execute a prepared statement with given parameters, and waits for the result. Compare PQexec.'],
  ['std::vector', 'A sequence container that encapsulates dynamic size arrays, stored contiguously.'],
  ['std::vector_bool', 'A space-efficient specialization of std::vector for the type bool.'],
  ['foo.bar()', 'Returns the bar of a foo, computed lazily.'],
  ['foo.bar_baz()', 'Returns the baz of the bar of a foo; it calls foo.bar() first.'],
  ['getElement', 'Returns the element at the given index of the collection.'],
  ['getElementById', 'Returns the element whose id attribute matches, or null. Faster than calling getElement in a loop.'],
  ['getElementsByTagName', 'Returns a live collection of elements with the given tag name, like getElement for each.'],
];

// Ordinary prose around the reference, so that the identifiers' words are not rare on their own.
const FILLER =
  'The library decodes elements from buffers of memory. Each function returns a status; see the error section for the codes it can take.';

/** The heading of a page hit's best section, without Markdown's backticks. */
const sectionOf = (hit: unknown) =>
  hit && typeof hit === 'object' && 'best' in hit
    ? ((hit as { best: { headingPath: string[] } }).best.headingPath.at(-1)?.replace(/`/g, '') ?? null)
    : null;
/**
 * Whether a page hit's best chunk is the section of `name`: its heading, or a chunk that starts with that heading
 * (the chunker merges a page's first section into the page heading before it, keeping the page heading's path).
 */
const documents = (hit: unknown, name: string) => {
  if (!hit || typeof hit !== 'object' || !('best' in hit)) return false;
  const best = (hit as { best: { headingPath: string[]; excerpt: string } }).best;
  const heading = (line: string) =>
    line
      .replace(/^#+ |`/g, '')
      .replace('()', '')
      .toLowerCase();
  const wanted = name.replace('()', '').toLowerCase();
  return heading(best.headingPath.at(-1) ?? '') === wanted || best.excerpt.split('\n').some((line) => /^#+ /.test(line) && heading(line) === wanted);
};
const slug = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '');

function referencePage(): string {
  const sections = ENTRIES.map(
    ([name, text]) =>
      `<h2 id="${slug(name)}"><code>${name}</code></h2>\n<p><code>${name}</code> — ${text}</p>\n<p>${FILLER} ${FILLER}</p>\n<p>${FILLER}</p>\n<p>${FILLER}</p>`,
  ).join('\n');
  // The link comes last: before the first section, it would merge into it and give it the page's heading path.
  return fixturePage('Library reference', `<h1>Library reference</h1>\n${sections}\n<p><a href="/ref/index">All functions</a></p>`);
}

let site: DocsSite;
let rt: TestRuntime;

type SearchInput = Parameters<TestRuntime['caller']['knowledge']['search']>[0];
/** A search returning chunks. */
async function chunks(input: SearchInput) {
  const res = await rt.caller.knowledge.search({ ...input, returnMode: 'chunks' });
  return res as Extract<typeof res, { returnMode: 'chunks' }>;
}

beforeAll(async () => {
  site = await startDocsSite();
  // One page per entry too, for page-mode results.
  for (const [name, text] of ENTRIES) {
    site.setPage(`/ref/${slug(name)}`, fixturePage(name, `<h1><code>${name}</code></h1>\n<p>${text}</p>\n<p>${FILLER} ${FILLER}</p>`));
  }
  site.setPage(
    '/ref/index',
    fixturePage(
      'Index',
      `<h1>Functions</h1><ul>${ENTRIES.map(([name]) => `<li><a href="/ref/${slug(name)}">${name}</a></li>`).join('')}</ul>` +
        '<p>See also the <a href="/ref/book-index">book index</a> and <a href="/ref/tips">tips</a>.</p>',
    ),
  );
  // What only mentions the names, often: a book index (each name in plain text at a line's start, then links) and a
  // page whose heading contains a name it is not the reference of.
  site.setPage(
    '/ref/book-index',
    fixturePage(
      'Book index',
      `<h1>Index</h1>${ENTRIES.map(([name]) => `<p>${name} function, <a href="/ref/${slug(name)}">Reference</a>, <a href="/ref/tips">Tips</a></p>`).join('\n')}`,
    ),
  );
  site.setPage(
    '/ref/tips',
    fixturePage(
      'Tips',
      '<h1>Tips</h1><h2>Increase <code>maintenance_work_mem</code></h2><p>Temporarily increasing maintenance_work_mem speeds up index builds: ' +
        'set maintenance_work_mem high for the session, and put maintenance_work_mem back afterwards.</p>' +
        '<h2>Prefer <code>lib_decode</code> for whole buffers</h2><p>lib_decode reads a whole buffer in one call; lib_decode beats a loop.</p>',
    ),
  );
  site.setPage('/ref/', referencePage());
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
  const job = await rt.caller.knowledge.crawl({ url: `${site.url}/ref/`, mode: 'recursive', maxDepth: 3 });
  expect(await jobSettled(rt, job.id, 120_000)).toMatchObject({ status: 'completed', pagesFailed: 0 });
}, 180_000);

afterAll(async () => {
  await rt?.close();
  await site?.close();
});

describe('a query that is exactly an identifier', () => {
  it('is told apart from words and questions', () => {
    expect(
      ['lib_decode', 'work_mem', 'PQexec', 'SPI_execute', 'pg_stat_activity.state', 'std::vector', 'getElementById', 'x->next_item'].map(
        queryIdentifier,
      ),
    ).toEqual(['lib_decode', 'work_mem', 'PQexec', 'SPI_execute', 'pg_stat_activity.state', 'std::vector', 'getElementById', 'x->next_item']);
    expect(queryIdentifier(' txid_current() ')).toBe('txid_current');
    for (const query of [
      'vacuum',
      'Postgres',
      'HTTP',
      'what does work_mem control',
      'work_mem;',
      '_',
      '1.5',
      'a.',
      'lib_decode(x)',
      `${'ab_'.repeat(100)}x`,
    ])
      expect([query, queryIdentifier(query)]).toEqual([query, null]);
  });

  const MODES = ['hybrid', 'fulltext'] as const;
  it.each(MODES)('%s: each identifier ranks its own section first (chunks)', async (mode) => {
    for (const [name] of ENTRIES) {
      const top = (await chunks({ query: name, mode, limit: 5 })).results[0];
      // Its own section, not a longer name that contains it.
      expect([name, top?.headingPath.at(-1)?.replace(/`/g, ''), top?.score.exact]).toEqual([name, name, 3]);
    }
  });

  it.each(MODES)('%s: each identifier ranks a page whose best section documents it first (pages)', async (mode) => {
    for (const [name] of ENTRIES) {
      const res = await rt.caller.knowledge.search({ query: name, mode, limit: 5, returnMode: 'pages' });
      expect([name, sectionOf(res.results[0]), documents(res.results[0], name)]).toEqual([name, expect.anything(), true]);
    }
  });

  it('without parentheses, with them, or in another case, a call finds the same section', async () => {
    for (const query of ['foo.bar', 'foo.bar()', 'FOO.BAR()', 'pqexec', 'PQexec()', 'lib_decode()']) {
      const res = await rt.caller.knowledge.search({ query, limit: 1, returnMode: 'pages' });
      expect([query, sectionOf(res.results[0]), documents(res.results[0], query)]).toEqual([query, expect.anything(), true]);
    }
    // Typed in another case than the text's, the name still documents, a tier below the name as written.
    expect((await chunks({ query: 'FOO.BAR()', limit: 1 })).results[0]!.score.exact).toBe(2);
    expect((await chunks({ query: 'foo.bar()', limit: 1 })).results[0]!.score.exact).toBe(3);
  });

  it('a book index and a heading that only contains the name mention it; they do not document it', async () => {
    for (const name of ['lib_decode', 'maintenance_work_mem']) {
      const res = await chunks({ query: name, mode: 'fulltext', limit: 50 });
      for (const page of ['Book index', 'Tips']) {
        const hits = res.results.filter((h) => h.pageTitle.startsWith(page));
        expect([name, page, hits.length > 0, hits.map((h) => h.score.exact)]).toEqual([name, page, true, hits.map(() => 1)]);
      }
    }
  });

  it('sections that only mention the identifier come after those that document it, before those without it', async () => {
    const res = await chunks({ query: 'lib_decode', mode: 'fulltext', limit: 50 });
    const tiers = res.results.map((h) => h.score.exact);
    expect(tiers[0]).toBe(3);
    expect(tiers).toContain(1);
    expect(tiers).toEqual([...tiers].sort((a, b) => b! - a!));
    // lib_decode_start's own section mentions lib_decode in its text: found, but below.
    const start = res.results.findIndex((h) => h.headingPath.at(-1)?.replace(/`/g, '') === 'lib_decode_start');
    expect(start).toBeGreaterThan(0);
    expect(res.results[start]!.score.exact).toBe(1);
  });

  it('a question, a plain word or vector mode is ranked as before, without a tier', async () => {
    for (const input of [
      { query: 'which function decodes one complete buffer', mode: 'hybrid' as const },
      { query: 'decoder', mode: 'fulltext' as const },
      { query: 'lib_decode', mode: 'vector' as const },
    ]) {
      const res = await chunks({ ...input, limit: 5 });
      expect(res.results.length).toBeGreaterThan(0);
      expect(res.results.every((h) => h.score.exact === undefined)).toBe(true);
    }
  });
});
