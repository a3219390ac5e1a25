import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';

// Which words of the results full-text search matched, for highlighting. A
// client cannot tell on its own: "configuring" matches the query "configure"
// through Postgres's English stemmer. So every distinct word of the shown text
// is put through the same configuration as the index, and the words whose
// lexemes are among the query's are returned.

/** Most distinct words looked at per search; results hold a few thousand at most. */
const MAX_WORDS = 5000;
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The words (lower-cased, longest first) in `texts` that full-text search
 * matches for a query with these `lexemes` (queryLexemes), plus any query
 * term the parser keeps whole (a file name such as `frob.toml`) that occurs
 * in them literally.
 */
export async function matchedTerms(db: Database, lexemes: string[], texts: string[]): Promise<string[]> {
  if (lexemes.length === 0 || texts.length === 0) return [];
  const words = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(WORD)) {
      words.add(m[0].toLowerCase());
      if (words.size >= MAX_WORDS) break;
    }
  }
  const found = new Set<string>();
  if (words.size > 0) {
    // One parameter each (newline-separated), whatever the number of words.
    const rows = await queryRows<{ w: string }>(
      db,
      sql`select w from regexp_split_to_table(${[...words].join('\n')}, E'\\n') as w
          where exists (select 1 from unnest(to_tsvector('english', w)) t
                        where t.lexeme = any(regexp_split_to_array(${lexemes.join('\n')}, E'\\n')))`,
    );
    for (const r of rows) found.add(r.w);
  }
  const haystack = texts.join('\n').toLowerCase();
  for (const lexeme of lexemes) if (/[^\p{L}\p{N}]/u.test(lexeme) && haystack.includes(lexeme)) found.add(lexeme);
  return [...found].sort((a, b) => b.length - a.length || a.localeCompare(b));
}
