import { DatabaseSetupError } from './errors';
import { runMigrations } from './migrate';
import { openEmbedded } from './pglite';
import { openServer } from './postgres';
import type { DatabaseHandle } from './types';
import { flushVectorBacklog } from './vector-backlog';
import { ensureVectorIndexes, type HnswParams } from './vector-index';

export type OpenDatabaseOptions = {
  /** postgres:// URL; when absent the embedded PGlite database is used. */
  url?: string;
  /** Embedded data directory; null keeps the database in memory. */
  dataDir: string | null;
  poolMax?: number;
  embeddingDimensions: number;
  hnsw?: HnswParams;
  efSearch?: number;
};

/** Opens, checks and migrates the database. Throws DatabaseSetupError with a remedy on any problem. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const handle = opts.url ? await openServer(opts.url, opts.poolMax ?? 10, opts.efSearch) : await openEmbedded(opts.dataDir, opts.efSearch);
  try {
    await runMigrations(handle);
    await ensureVectorIndexes(handle.db, opts.embeddingDimensions, opts.hnsw);
    // Vectors a job left unindexed when the process stopped (see vector-backlog.ts).
    await flushVectorBacklog(handle.db, opts.embeddingDimensions);
    return handle;
  } catch (err) {
    await handle.close().catch(() => {});
    if (err instanceof DatabaseSetupError) throw err;
    const cause = (err as { cause?: Error }).cause ?? err;
    const message = (cause as Error).message ?? String(cause);
    const hint = /permission denied/i.test(message)
      ? ' The database user needs the right to create tables and the vector extension (or a superuser must run CREATE EXTENSION vector first).'
      : '';
    throw new DatabaseSetupError(`Database migration failed on ${handle.location}: ${message}.${hint}`);
  }
}

export type { Database, DatabaseHandle, DatabaseMode } from './types';
