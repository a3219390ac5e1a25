// The query's lexemes, put together from each token's (remembered), against
// the database's answer for the whole text: they must be the same list.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../../db/sql';
import type { DatabaseHandle } from '../../db/types';
import { lexemesSql, queryLexemes } from '../../server/services/search/query-lexemes';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle?.close();
});

const reference = async (text: string) => (await queryRows<{ lexeme: string }>(handle.db, lexemesSql(text))).map((r) => r.lexeme);

const evalQueries = ['eval/queries/postgres-manual.json', 'eval/queries/postgres-identifiers.json'].flatMap((f) =>
  (JSON.parse(fs.readFileSync(f, 'utf8')) as { query: string }[]).map((q) => q.query),
);

const awkward = [
  'multi-column indexes on a well-known table',
  'self-contained multi-level-hierarchy x-y',
  'https://www.postgresql.org/docs/15/sql-select.html?q=1#frag and http://example.com',
  'mail admin@example.com or first.last+tag@sub.example.org',
  'version 15.4 and 9.6.24, -5, +3, 1e10, 0x1F, 3.14159',
  'paths /usr/local/pgsql/data and C:\\Program Files\\x and ./frob.toml',
  'pg_stat_activity.wait_event pg_catalog.pg_class::regclass',
  "don't won't it's O'Reilly's",
  'C++ C# F# .NET node.js Node.JS',
  'café naïve Ærøskøbing ÜBER straße',
  '日本語のテキスト 검색 поиск индексов',
  'emoji 🎉 and ✓ marks',
  'the and of a an to in', // stop words only
  'tabs\tand\nnew lines\r\nand  double  spaces',
  'no\u00a0break\u2003em\u3000ideographic\ufeffbom\u200bzero width',
  'ALL CAPS Mixed Case miXeD',
  'foo.bar() baz[0] qux{1} <tag> "quoted" (paren) [bracket]',
  '---- ... ,,, ;;; ::',
  'x'.repeat(300),
  'a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p',
  // More than 64 distinct lexemes: which 64 the database keeps is its byte order.
  Array.from({ length: 90 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i} Zeta${i} ärger${i}`).join(' '),
];

describe('query lexemes from remembered tokens', () => {
  it('equal the database answer for the whole text, cold and then remembered, for the evaluation queries and awkward text', async () => {
    const texts = [...evalQueries, ...awkward];
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) expect(await queryLexemes(handle.db, text), text).toEqual(await reference(text));
    // Again, every token now remembered; and tokens recombined into texts never asked for whole.
    for (const text of texts) expect(await queryLexemes(handle.db, text), text).toEqual(await reference(text));
    const words = texts.join(' ').split(/\s+/);
    for (let i = 0; i < 50; i++) {
      const text = Array.from({ length: 1 + (i % 7) }, (_, j) => words[(i * 37 + j * 11) % words.length]).join(' ');
      expect(await queryLexemes(handle.db, text), text).toEqual(await reference(text));
    }
  });

  it('asks the database nothing for a query whose tokens it has seen', async () => {
    await queryLexemes(handle.db, 'configure streaming replication slots');
    const execute = vi.spyOn(handle.db, 'execute');
    try {
      expect(await queryLexemes(handle.db, 'replication slots configure')).toEqual(['configur', 'replic', 'slot']);
      expect(execute).not.toHaveBeenCalled();
      await queryLexemes(handle.db, 'replication of logical slots');
      expect(execute).toHaveBeenCalledTimes(1);
    } finally {
      execute.mockRestore();
    }
  });
});
