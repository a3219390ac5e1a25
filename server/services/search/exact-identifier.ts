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

/** How a candidate relates to the identifier: 2 documents it, 1 mentions it, 0 neither. */
export type ExactTier = 0 | 1 | 2;

/**
 * Each candidate's tier. Whole word means no letter, digit or underscore on
 * either side (`\m`, `\M`), case-insensitively: `work_mem` is not found in
 * `maintenance_work_mem`, nor `PQexec` in `PQexecParams`. A defining line
 * starts with the name, marked up as code or bold or not at all, after a
 * heading mark, a list bullet or a table's `|`; not as a link (a list of
 * links is an index), nor directly followed by `(` (a call in an example).
 */
export async function exactTiers(db: Database, ids: number[], name: string): Promise<Map<number, ExactTier>> {
  if (ids.length === 0) return new Map();
  const word = `\\m${literal(name)}\\M`;
  const defining = `(^|\\n)[ \\t]*(#+[ \\t]+|[-*+][ \\t]+|\\|[ \\t]*)?(\`|\\*)*${literal(name)}\\M(?!\\()`;
  const rows = await queryRows<{ id: string | number; tier: number }>(
    db,
    sql`select c.id, case
          when c.title ~* ${word} or c.heading_path::text ~* ${word} then 2
          when c.content ~* ${word} then (case when c.content ~* ${defining} then 2 else 1 end)
          else 0 end as tier
        from chunks c where c.id in ${ids}`,
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.tier) as ExactTier]));
}

/**
 * The fused rows with their tier, those that document the identifier first,
 * then those that mention it, each group in fused order. Grouping by page
 * (rankPages) keeps the tier ahead of the score.
 */
export async function promoteExact(db: Database, rows: FusedRow[], name: string): Promise<FusedRow[]> {
  const tiers = await exactTiers(
    db,
    rows.map((r) => r.id),
    name,
  );
  return rows.map((row) => ({ ...row, exact: tiers.get(row.id) ?? 0 })).sort((a, b) => b.exact - a.exact || b.score - a.score || a.id - b.id);
}
