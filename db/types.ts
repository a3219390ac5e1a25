import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

export type Schema = typeof schema;
/** Either driver's database, or a transaction on it: services accept both. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseMode = 'embedded' | 'postgres';

export type DatabaseHandle = {
  db: Database;
  mode: DatabaseMode;
  /** Where the data lives, safe to show (no password). */
  location: string;
  /** LISTEN on a connection reserved for notifications; resolves to an unlisten function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Runs `fn` while holding a cluster-wide advisory lock, so concurrent boots don't race. */
  exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
};
