import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { lockDataDir } from './data-dir-lock';
import * as schema from './schema';
import { searchSessionSettings } from './session-settings';
import type { Database, DatabaseHandle } from './types';

/** Opens the embedded database. `dataDir: null` keeps everything in memory (tests). */
export async function openEmbedded(dataDir: string | null, efSearch?: number): Promise<DatabaseHandle> {
  const unlock = dataDir ? lockDataDir(path.resolve(dataDir)) : () => {};
  try {
    const pgDir = dataDir ? path.join(path.resolve(dataDir), 'pglite') : undefined;
    const client = await PGlite.create(pgDir, { extensions: { vector } });
    await applySearchSettings(client, efSearch);
    const db = drizzle({ client, schema }) as unknown as Database;
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
