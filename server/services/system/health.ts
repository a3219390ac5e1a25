import { sql } from 'drizzle-orm';
import { type MigrationStatus, migrationStatus } from '../../../db/migrate';
import { queryRows } from '../../../db/sql';
import type { DatabaseHandle, DatabaseMode } from '../../../db/types';

export type Health = {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  database: {
    mode: DatabaseMode;
    reachable: boolean;
    serverVersion: string | null;
    pgvector: string | null;
    error?: string;
  };
  migrations: MigrationStatus | null;
};

export async function getHealth(handle: DatabaseHandle, app: { version: string; startedAt: Date }): Promise<Health> {
  const base = { version: app.version, uptimeSeconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000) };
  try {
    const [facts] = await queryRows<{ server_version: string; pgvector: string | null }>(
      handle.db,
      sql`select current_setting('server_version') as server_version,
                 (select extversion from pg_extension where extname = 'vector') as pgvector`,
    );
    const migrations = await migrationStatus(handle);
    return {
      ...base,
      status: migrations.current ? 'ok' : 'degraded',
      database: { mode: handle.mode, reachable: true, serverVersion: facts?.server_version ?? null, pgvector: facts?.pgvector ?? null },
      migrations,
    };
  } catch (err) {
    return {
      ...base,
      status: 'degraded',
      database: { mode: handle.mode, reachable: false, serverVersion: null, pgvector: null, error: (err as Error).message },
      migrations: null,
    };
  }
}
