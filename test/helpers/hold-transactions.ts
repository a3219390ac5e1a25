import { sql } from 'drizzle-orm';
import { postgresClient } from '../../db/driver';
import type { Database } from '../../db/types';

/**
 * Holds every transaction that fires `event` on `table` at that point, until
 * `release()`: a trigger waits for an advisory lock this helper's own session
 * holds. Lets a test land another session's statement while the transaction
 * is open (a PostgreSQL server only: PGlite has one connection).
 */
export async function holdTransactionsAt(db: Database, key: number, table: string, event: 'insert' | 'update') {
  const pg = postgresClient(db)!;
  const name = `archon_test_hold_${table}`;
  const holder = await pg.reserve();
  await holder`select pg_advisory_lock(${key})`;
  await db.execute(
    sql.raw(`create or replace function ${name}() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock(${key}); return null; end $$`),
  );
  await db.execute(sql.raw(`create trigger ${name} after ${event} on ${table} for each statement execute function ${name}()`));
  return {
    /** Sessions of this database waiting: for the hold (advisory), or for a row's lock. */
    waiting: async (advisory: boolean) =>
      (
        await pg`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and (wait_event = 'advisory') = ${advisory}`
      )[0]!.n as number,
    release: async () => {
      await holder`select pg_advisory_unlock(${key})`;
    },
    /** Lets go first (a transaction still held would keep the trigger from being dropped), waits for `work`, drops the trigger. */
    close: async (work?: Promise<unknown>) => {
      await holder`select pg_advisory_unlock_all()`;
      holder.release();
      await work?.catch(() => {});
      await db.execute(sql.raw(`drop trigger if exists ${name} on ${table}`));
    },
  };
}
