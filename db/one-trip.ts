import { type SQL, sql } from 'drizzle-orm';
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

/**
 * The statement as plain text, its parameters written in as literals. Our
 * statements carry no `$n` of their own, so every `$n` is a parameter.
 */
export function inlineQuery(query: SQL): string {
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
