import { type SQL, TransactionRollbackError } from 'drizzle-orm';
import type { Database } from './types';

/** Runs raw SQL and returns its rows; PGlite wraps rows in `{ rows }`, postgres.js returns an array. */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Escapes LIKE wildcards so user text matches literally. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** A transaction whose work may give up with `tx.rollback()`: its result, or null when it rolled back. */
export async function transactionOrNull<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T | null> {
  try {
    return await db.transaction(work);
  } catch (err) {
    if (err instanceof TransactionRollbackError) return null;
    throw err;
  }
}
