import type { Sql } from 'postgres';
import type { Database } from './types';

/** The postgres.js connection behind a drizzle database or transaction; null on PGlite. */
export function postgresClient(db: Database): Sql | null {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client as Sql | undefined;
  return client && typeof (client as { unsafe?: unknown }).unsafe === 'function' ? client : null;
}
