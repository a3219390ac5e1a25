import { type SQL, sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';

// A query's lexemes, as Postgres's English configuration makes them, are the
// lexemes of its tokens between ASCII white space put together: the parser
// never reads a word across white space, and stop words and stems are a token's
// own. Tokens recur from query to query, so each token's lexemes are kept, and
// a query whose tokens have all been seen starts its full-text list without
// the round trip that asked the database (one of the three that run one after
// another in a hybrid search; test/db/query-lexemes.test.ts checks the memo
// against the database's answer for the whole text).

/** Lexemes the full-text side reads at most; unnest(tsvector) yields them in the tsvector's byte order. */
const MAX_LEXEMES = 64;
/** Tokens remembered per database, least recently used forgotten first: a few MB at most (tokens of up to MEMO_TOKEN_CHARS). */
const MEMO_TOKENS = 20_000;
/** A token longer than this (a pasted blob, not a word) is asked for each time instead of remembered. */
const MEMO_TOKEN_CHARS = 100;

/**
 * Hyphenated words also in their joined form: the parser makes "multi-column"
 * into multi-column, multi and column, none of which finds a page that writes
 * "multicolumn" (measured: one more answer in the top 5, no query worse).
 */
const joinedForms = (text: string) => text.match(/\p{L}+(?:-\p{L}+)+/gu)?.map((word) => word.replace(/-/g, '')) ?? [];

/**
 * What is put through to_tsvector for a text: the text and its hyphenated
 * words joined, after a space. The parser reads the very start of a text in
 * a state of its own ("./frob.toml" there is a path, after a space it is
 * "/frob.toml"), so every token is read as if a space came before it, as in
 * the middle of a page.
 */
const searchedText = (text: string) => ` ${[text, ...joinedForms(text)].join(' ')}`;

const memos = new WeakMap<Database, Map<string, string[]>>();

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// ASCII white space only: other spaces are word characters to some locales (PGlite reads U+FEFF inside a word).
const tokensOf = (text: string) => [...new Set(text.split(/[ \t\n\r\f\v]+/).filter(Boolean))];

/** The lexemes of a whole text, asked of the database in one statement (the reference the memo must equal). */
export const lexemesSql = (text: string) => sql`select lexeme from unnest(to_tsvector('english', ${searchedText(text)})) limit ${MAX_LEXEMES}`;

function memoOf(db: Database) {
  let memo = memos.get(db);
  if (!memo) {
    memo = new Map();
    memos.set(db, memo);
  }
  return memo;
}

/**
 * Each token's lexemes, a row per token in order, one parameter for all of
 * them (newline-separated: a token holds no white space), with `also`.
 */
const tokenLexemesSql = (
  tokens: string[],
  also: SQL,
) => sql`select array(select lexeme from unnest(to_tsvector('english', t))) as lexemes, ${also} as v
  from regexp_split_to_table(${tokens.map(searchedText).join('\n')}, E'\\n') with ordinality as u(t, i) order by i`;

/**
 * The query's lexemes and, when `also` is given, that expression's value in
 * the same round trip (hybrid search asks whether a re-embedding is under way).
 * When every token's lexemes are known, `also` is asked on its own and the
 * lexemes are ready at once.
 */
export async function queryLexemesWith<T>(db: Database, text: string, also?: SQL): Promise<{ lexemes: string[]; also: Promise<T | undefined> }> {
  const memo = memoOf(db);
  const tokens = tokensOf(text);
  const missing = tokens.filter((t) => !memo.has(t));
  let also$: Promise<T | undefined>;
  const known = new Map<string, string[]>();
  if (missing.length === 0) {
    also$ = also ? queryRows<{ v: T }>(db, sql`select ${also} as v`).then((rows) => rows[0]?.v) : Promise.resolve(undefined);
  } else {
    const rows = await queryRows<{ lexemes: string[]; v: T }>(db, tokenLexemesSql(missing, also ?? sql`null`));
    const lists = rows.map((r) => r.lexemes);
    missing.forEach((t, i) => {
      known.set(t, lists[i] ?? []);
      if (t.length <= MEMO_TOKEN_CHARS) memo.set(t, lists[i] ?? []);
    });
    also$ = Promise.resolve(rows[0]?.v);
  }
  const lexemes = new Set<string>();
  for (const t of tokens) {
    const own = known.get(t) ?? memo.get(t)!;
    // Recently used: moved to the end of the map's order, which is what is forgotten last.
    if (!known.has(t)) {
      memo.delete(t);
      memo.set(t, own);
    }
    for (const l of own) lexemes.add(l);
  }
  while (memo.size > MEMO_TOKENS) memo.delete(memo.keys().next().value!);
  return { lexemes: [...lexemes].sort(byteOrder).slice(0, MAX_LEXEMES), also: also$ };
}

/** The query's lexemes as Postgres's English configuration sees them. */
export async function queryLexemes(db: Database, text: string): Promise<string[]> {
  return (await queryLexemesWith(db, text)).lexemes;
}
