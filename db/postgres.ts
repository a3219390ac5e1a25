import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { DatabaseSetupError, redactUrl } from './errors';
import * as schema from './schema';
import { searchSessionSettings } from './session-settings';
import type { Database, DatabaseHandle } from './types';

export const MIN_SERVER_VERSION_NUM = 150000;
// 0.7 brought halfvec, which the HNSW index stores (db/vector-index.ts).
export const MIN_PGVECTOR = '0.7.0';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

type ServerFacts = { versionNum: number; version: string; available: string | null; installed: string | null };

/** Explains, before any migration runs, what the server lacks. */
export function checkServer(facts: ServerFacts): void {
  if (facts.versionNum < MIN_SERVER_VERSION_NUM) {
    throw new DatabaseSetupError(`PostgreSQL ${facts.version} is too old: Archon needs PostgreSQL 15 or newer.`);
  }
  if (!facts.available && !facts.installed) {
    throw new DatabaseSetupError(
      `The pgvector extension is not installed on this PostgreSQL ${facts.version} server. ` +
        'Install pgvector 0.7 or newer (for example the postgresql-15-pgvector package, or build it from https://github.com/pgvector/pgvector) and restart.',
    );
  }
  const version = facts.installed ?? facts.available ?? '0';
  if (compareVersions(version, MIN_PGVECTOR) < 0) {
    throw new DatabaseSetupError(
      `pgvector ${version} is too old: Archon needs ${MIN_PGVECTOR} or newer for HNSW indexes on half-precision vectors. ` +
        (facts.installed ? 'Upgrade the package, then run ALTER EXTENSION vector UPDATE.' : 'Upgrade the pgvector package.'),
    );
  }
}

export async function openServer(url: string, poolMax: number, efSearch?: number): Promise<DatabaseHandle> {
  const sql = postgres(url, {
    max: poolMax,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: 'archon', ...searchSessionSettings(efSearch) },
  });
  try {
    const [facts] = await sql<
      { version_num: number; version: string; available: string | null; installed: string | null }[]
    >`select current_setting('server_version_num')::int as version_num,
             current_setting('server_version') as version,
             (select default_version from pg_available_extensions where name = 'vector') as available,
             (select extversion from pg_extension where extname = 'vector') as installed`;
    checkServer({
      versionNum: facts!.version_num,
      version: facts!.version,
      available: facts!.available,
      installed: facts!.installed,
    });
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    if (err instanceof DatabaseSetupError) throw err;
    const code = (err as { code?: string }).code;
    throw new DatabaseSetupError(
      `Cannot use the database at ${redactUrl(url)}: ${(err as Error).message}${code ? ` (${code})` : ''}. ` +
        'Check DATABASE_URL, that the server is running, and that the user may connect.',
    );
  }
  const db = drizzle({ client: sql, schema }) as unknown as Database;
  return {
    db,
    mode: 'postgres',
    location: redactUrl(url),
    // postgres.js keeps LISTEN on its own connection and re-listens after reconnects.
    listen: async (channel, onMessage) => {
      const sub = await sql.listen(channel, onMessage);
      return () => sub.unlisten();
    },
    exclusive: async (key, fn) => {
      const conn = await sql.reserve();
      try {
        await conn`select pg_advisory_lock(${key})`;
        try {
          return await fn();
        } finally {
          await conn`select pg_advisory_unlock(${key})`;
        }
      } finally {
        conn.release();
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
