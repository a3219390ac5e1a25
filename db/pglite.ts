import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { lockDataDir } from './data-dir-lock';
import { DatabaseSetupError } from './errors';
import { PGliteProxy } from './pglite-proxy';
import * as schema from './schema';
import { searchSessionSettings } from './session-settings';
import type { Database, DatabaseHandle } from './types';

/**
 * Where PGlite runs: `worker` (the default), a thread of its own behind
 * db/pglite-proxy.ts; `main`, the server's own thread, as before the worker
 * (every statement then stops HTTP, WebSocket and the job runner for its
 * length). `main` is there to compare the two (bench:ingest) and as a way
 * back should the worker misbehave somewhere.
 */
export function pgliteThread(env: Record<string, string | undefined> = process.env): 'worker' | 'main' {
  const value = env.ARCHON_PGLITE_THREAD?.trim() || 'worker';
  if (value !== 'worker' && value !== 'main')
    throw new DatabaseSetupError(`ARCHON_PGLITE_THREAD must be worker or main, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Opens the embedded database, by default in a worker thread so that no
 * statement stops the server's thread (see pgliteThread). `dataDir: null`
 * keeps everything in memory. The directory lock stays with this thread: the
 * process owns the directory, whichever thread writes it.
 */
export async function openEmbedded(dataDir: string | null, efSearch?: number): Promise<DatabaseHandle> {
  const thread = pgliteThread();
  const unlock = dataDir ? lockDataDir(path.resolve(dataDir)) : () => {};
  try {
    const pgDir = dataDir ? path.join(path.resolve(dataDir), 'pglite') : undefined;
    let client: PGlite | PGliteProxy;
    if (thread === 'main') {
      client = await PGlite.create(pgDir, { extensions: { vector } });
      await applySearchSettings(client, efSearch);
    } else {
      client = await PGliteProxy.create({
        dataDir: pgDir,
        // PGlite has one session: the search settings are set on it once.
        settings: searchSessionSettings(efSearch),
        onEvent: (message) => console.error(`Archon: ${message}`),
      });
    }
    const db = drizzle({ client: client as PGlite, schema }) as unknown as Database;
    return {
      db,
      mode: 'embedded',
      location: pgDir ?? 'memory',
      listen: (channel, onMessage) => client.listen(channel, onMessage).then((off) => () => off()),
      // One process owns the directory, so there is nobody to exclude.
      exclusive: (_key, fn) => fn(),
      close: async () => {
        try {
          await client.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** PGlite has one session: the search settings are set on it once. */
export async function applySearchSettings(client: PGlite, efSearch?: number): Promise<void> {
  for (const [name, value] of Object.entries(searchSessionSettings(efSearch))) {
    await client.query('select set_config($1, $2, false)', [name, value]);
  }
}
