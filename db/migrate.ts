import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from './sql';
import type { DatabaseHandle } from './types';

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'db', 'migrations');
const MIGRATION_LOCK_KEY = 0x4152_4348; // "ARCH"

type JournalEntry = { idx: number; when: number; tag: string };

export function readJournal(dir = MIGRATIONS_DIR): JournalEntry[] {
  const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** Applies pending migrations with drizzle's migrator for the handle's driver. */
export async function runMigrations(handle: DatabaseHandle, dir = MIGRATIONS_DIR): Promise<void> {
  await handle.exclusive(MIGRATION_LOCK_KEY, async () => {
    if (handle.mode === 'embedded') {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(handle.db as never, { migrationsFolder: dir });
    } else {
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      await migrate(handle.db as never, { migrationsFolder: dir });
    }
  });
}

export type MigrationStatus = { current: boolean; applied: number; expected: number; pending: string[] };

export async function migrationStatus(handle: DatabaseHandle, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const entries = readJournal(dir);
  let appliedUpTo = 0;
  let applied = 0;
  try {
    const rows = await queryRows<{ created_at: string | number; n: string | number }>(
      handle.db,
      sql`select max(created_at) as created_at, count(*) as n from drizzle.__drizzle_migrations`,
    );
    appliedUpTo = Number(rows[0]?.created_at ?? 0);
    applied = Number(rows[0]?.n ?? 0);
  } catch {
    // No migrations table yet: nothing applied.
  }
  const pending = entries.filter((e) => e.when > appliedUpTo).map((e) => e.tag);
  return { current: pending.length === 0, applied, expected: entries.length, pending };
}
