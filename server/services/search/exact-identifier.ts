import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';
import type { FusedRow } from './fused-query';

// A query that is one identifier (`lib_decode`, `work_mem`, `PQexec`,
// `pg_stat_activity.state`) asks for the section that documents it. Postgres's
// parser splits `lib_decode` into lib and decod, which `lib_decode_start` holds
// as well, and BM25 then favours the longer names' sections, which mention the
// short one too. Changing the tokenisation for every document and query was
// measured and lost on the question set (docs/benchmarks.md); instead, the few
// fused candidates of such a query are checked for the identifier as a whole
// word, and those that document it (in a heading, the page title, or a line
// that starts with it, as a definition list or a reference table does) come
// first, then those that mention it, each group in fused order.

/** One name, with at least one mark that makes it an identifier rather than a word: _ . :: -> or an inner capital. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)*$/;
const MARKED = /_|\.|::|->|[a-z][A-Z]|[A-Z]{2}[a-z]/;
const MAX_IDENTIFIER_CHARS = 200;

/** The identifier that the whole query is (trailing `()` dropped), or null for anything else, such as a word or a question. */
export function queryIdentifier(query: string): string | null {
  const name = query.trim().replace(/\(\s*\)$/, '');
  if (name.length > MAX_IDENTIFIER_CHARS || !IDENTIFIER.test(name) || !MARKED.test(name) || !/[A-Za-z]/.test(name)) return null;
  return name;
}

/** The identifier for PostgreSQL's regular expressions (ARE), taken literally. */
const literal = (name: string) => name.replace(/[.^$*+?()[\]{}|\\]/g, '\\$&');

/** How a candidate relates to the identifier: 3 documents it as written, 2 in another case, 1 mentions it, 0 neither. */
export type ExactTier = 0 | 1 | 2 | 3;

// A section number before a heading's text: 20.4.1., F.32., 54.12.
const SECTION_NUMBER = '([A-Z]?\\.?[0-9]+(\\.[0-9]+)*\\.?[ \\t]+)?';

/**
 * Each candidate's tier. Whole word means no letter, digit or underscore on
 * either side (`\m`, `\M`): `work_mem` is not found in `maintenance_work_mem`,
 * nor `PQexec` in `PQexecParams`. A chunk documents the name when its page
 * title or one of its headings is the name (after a section number, before a
 * parenthesis or a dash: "28.2.3. `pg_stat_activity`", "SPI_execute",
 * "`work_mem` (`integer`)"), or when one of its lines starts with the name
 * set as code or bold, as definition lists and reference tables do. A plain
 * name at the start of a line is more often an index entry or code, and a
 * heading that only contains the name ("Increase `maintenance_work_mem`")
 * is about something else: both only mention it. A name typed in another
 * case than the text's (`pqexec`, or `SPI_exec` against PL/Tcl's `spi_exec`)
 * ranks below the same name as written.
 */
export async function exactTiers(db: Database, ids: number[], name: string): Promise<Map<number, ExactTier>> {
  if (ids.length === 0) return new Map();
  const n = literal(name);
  const word = `\\m${n}\\M`;
  const heading = `^${SECTION_NUMBER}[\`*]*${n}(\\(\\))?[\`*]*([ \\t]*[(—–:-].*)?$`;
  const defining = `(^|\\n)[ \\t]*(#+[ \\t]+${SECTION_NUMBER}|[-*+][ \\t]+|\\|[ \\t]*)?[\`*]+${n}(\\(\\))?[\`*]+`;
  const documents = (op: 'exact' | 'any') => {
    const match = sql.raw(op === 'exact' ? '~' : '~*');
    return sql`(c.title ${match} ${heading} or c.content ${match} ${defining}
      or exists (select 1 from jsonb_array_elements_text(c.heading_path) h where h ${match} ${heading}))`;
  };
  const rows = await queryRows<{ id: string | number; tier: number }>(
    db,
    sql`select c.id, case
          when not (c.title ~* ${word} or c.heading_path::text ~* ${word} or c.content ~* ${word}) then 0
          when ${documents('exact')} then 3
          when ${documents('any')} then 2
          else 1 end as tier
        from chunks c where c.id in ${ids}`,
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.tier) as ExactTier]));
}

/**
 * How many of the best fused rows are checked. Reading a chunk's text costs
 * (about 10 ms for 240 chunks on the manual); the section that documents a
 * name is among the first fused rows anyway: all 40 identifier queries on the
 * manual had their answer among the best 5 pages before this step.
 */
export const EXACT_CHECKED = 100;

/**
 * The fused rows with their tier, those that document the identifier first
 * (as written, then in another case), then those that mention it, each group
 * in fused order. Grouping by page
 * (rankPages) keeps the tier ahead of the score.
 */
export async function promoteExact(db: Database, rows: FusedRow[], name: string, checked = EXACT_CHECKED): Promise<FusedRow[]> {
  const tiers = await exactTiers(
    db,
    rows.slice(0, checked).map((r) => r.id),
    name,
  );
  return rows.map((row) => ({ ...row, exact: tiers.get(row.id) ?? 0 })).sort((a, b) => b.exact - a.exact || b.score - a.score || a.id - b.id);
}
