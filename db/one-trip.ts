import { Param, SQL, StringChunk, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import { queryRows } from './sql';
import type { Database } from './types';

const dialect = new PgDialect();

const quoteText = (s: string) => {
  // A query travels as a NUL-terminated string; Postgres text cannot hold NUL anyway.
  if (s.includes('\0')) throw new Error('A query value cannot contain a NUL character');
  // E'' with doubled backslashes reads the same whatever standard_conforming_strings says.
  return s.includes('\\') ? `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${s.replace(/'/g, "''")}'`;
};

/** A parameter value written as an SQL literal. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `'${value}'`;
    // Parenthesised so that `x-${n}` cannot become `x--1`, a comment.
    return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
  }
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quoteText(value);
  if (value instanceof Date) return quoteText(value.toISOString());
  throw new Error(`Cannot write a ${typeof value} as an SQL literal`);
}

// Set by drizzle's inlineParams(), which quotes values its own way.
const inlinesParams = (query: SQL) => (query as unknown as { shouldInlineParams?: boolean }).shouldInlineParams === true;

/**
 * Writes the chunks of a statement made of text, values and nested statements,
 * values as literals, as drizzle would place them. False for anything else
 * (tables, columns, identifiers, inlined or encoded parameters, a `$n` in the
 * text), which drizzle then builds. A search's statements hold a hundred or
 * so fragments, and drizzle's general walk made a quarter of its garbage.
 */
function writeInline(chunks: unknown[], out: string[]): boolean {
  for (const chunk of chunks) {
    if (chunk instanceof StringChunk) {
      const text = chunk.value.join('');
      if (/\$\d/.test(text)) return false;
      out.push(text);
    } else if (chunk === undefined) continue;
    else if (Array.isArray(chunk)) {
      out.push('(');
      for (const [i, item] of chunk.entries()) {
        if (i > 0) out.push(', ');
        if (!writeInline([item], out)) return false;
      }
      out.push(')');
    } else if (chunk instanceof SQL) {
      if (inlinesParams(chunk) || !writeInline(chunk.queryChunks, out)) return false;
    } else if (chunk instanceof Param) {
      const value: unknown = chunk.value === null ? null : chunk.encoder.mapToDriverValue(chunk.value);
      if (value instanceof SQL || (typeof value === 'object' && value !== null && !(value instanceof Date))) return false;
      out.push(sqlLiteral(value));
    } else if (chunk === null || chunk instanceof Date || ['string', 'number', 'bigint', 'boolean'].includes(typeof chunk))
      out.push(sqlLiteral(chunk));
    else return false;
  }
  return true;
}

/**
 * The statement as plain text, its parameters written in as literals. Our
 * statements carry no `$n` of their own, so every `$n` is a parameter.
 */
export function inlineQuery(query: SQL): string {
  const out: string[] = [];
  return !inlinesParams(query) && writeInline(query.queryChunks, out) ? out.join('') : slowInline(query);
}

function slowInline(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`$${n} in a statement with ${params.length} parameter(s): write it as a parameter, not as text`);
    return sqlLiteral(params[i]);
  });
}

const postgresClient = (db: Database): Sql | null => {
  const client = (db as unknown as { $client?: unknown }).$client;
  return client && typeof (client as Sql).unsafe === 'function' && typeof (client as Sql).reserve === 'function' ? (client as Sql) : null;
};

const pgliteClient = (db: Database): { exec(text: string): Promise<{ rows: unknown[] }[]> } | null => {
  const client = (db as unknown as { $client?: { exec?: unknown; unsafe?: unknown } }).$client;
  return client && typeof client.exec === 'function' && typeof client.unsafe !== 'function' ? (client as never) : null;
};

/**
 * Runs `setup` (SET LOCAL or set_config(…, true) statements) and then `query`
 * in one transaction, and returns the query's rows. Both go as a single
 * simple-protocol message, which Postgres runs as one implicit transaction,
 * planning the query after the settings apply. On a server that is one round
 * trip where a transaction of its own would cost four (BEGIN, settings,
 * statement, COMMIT), and a parameterised statement seen for the first time
 * on a connection one more (postgres.js describes it first); in PGlite, one
 * call instead of four (15 % off a hybrid search). Inside a transaction it is
 * an ordinary pair of statements in a savepoint.
 */
export async function queryWithSettings<T>(db: Database, setup: SQL, query: SQL): Promise<T[]> {
  const server = postgresClient(db);
  const pglite = server ? null : pgliteClient(db);
  if (server || pglite) {
    const text = `${inlineQuery(setup)};\n${inlineQuery(query)}`;
    if (server) return [...((await server.unsafe(text)) as unknown as T[][]).at(-1)!];
    return (await pglite!.exec(text)).at(-1)!.rows as T[];
  }
  return db.transaction(async (tx) => {
    await tx.execute(setup);
    return queryRows<T>(tx as unknown as Database, query);
  });
}

/** `set_config(name, value, true)` for each setting, as one statement for queryWithSettings. */
export const localSettings = (settings: Record<string, string | SQL>): SQL =>
  sql`select ${sql.join(
    Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
    sql`, `,
  )}`;
