import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { applySearchSettings } from '../../db/pglite';
import { openServer } from '../../db/postgres';
import * as schema from '../../db/schema';
import type { Database, DatabaseHandle } from '../../db/types';

export const testDbKind = (): 'pglite' | 'postgres' => (process.env.ARCHON_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated, throwaway PostgreSQL database copied from the run's template. Returns its URL and a drop function. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const template = inject('serverTemplate');
  if (!template) throw new Error('global setup made no template database');
  const name = `archon_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (err) {
      // Two files copying the template at the same instant collide; wait and retry.
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function openTemplatePglite(): Promise<DatabaseHandle> {
  const dump = fs.readFileSync(inject('pgliteTemplate'));
  const client = await PGlite.create({ loadDataDir: new Blob([dump]), extensions: { vector } });
  await applySearchSettings(client);
  return {
    db: drizzle({ client, schema }) as unknown as Database,
    mode: 'embedded',
    location: 'memory',
    listen: (channel, onMessage) => client.listen(channel, onMessage).then((off) => () => off()),
    exclusive: (_key, fn) => fn(),
    close: () => client.close(),
  };
}

/** A migrated database for one test file, in the mode the current vitest project tests. */
export async function createTestDatabase(opts: { poolMax?: number } = {}): Promise<DatabaseHandle> {
  if (testDbKind() === 'pglite') return openTemplatePglite();
  const { url, drop } = await createServerDatabase();
  const handle = await openServer(url, opts.poolMax ?? 5);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await drop();
    },
  };
}
