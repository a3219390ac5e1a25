import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VECTOR_INDEX_LOCK } from '../../db/vector-index';
import { reloadProviders } from '../../server/runtime/runtime';
import { updateProviderSettings } from '../../server/services/providers/provider-settings';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * A settings change reloads the providers of every process. A reload that
 * waits for the vector index lock (a rebuild holds it) must not finish after
 * a newer one and put the older settings back. PGlite has one connection, so
 * nothing else can hold the lock there.
 */
describe.skipIf(testDbKind() === 'pglite')('provider reloads', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ poolMax: 4 });
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('end on the latest settings when an earlier reload waited for the index lock', async () => {
    const initial = rt.config.EMBEDDING_DIMENSIONS;
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Another job rebuilding the index, as far as the lock goes.
    const rebuild = rt.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_INDEX_LOCK})`);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;

    await updateProviderSettings(rt.database.db, rt.secretBox, { embedding: { dimensions: 768 } }, null);
    const first = reloadProviders(rt); // needs an index for 768: waits for the lock
    await new Promise((r) => setTimeout(r, 200));
    await updateProviderSettings(rt.database.db, rt.secretBox, { embedding: { dimensions: null } }, null);
    const second = reloadProviders(rt);
    release();
    await Promise.all([rebuild, first, second]);
    expect(rt.ingest.embedder.dimensions).toBe(initial);
    expect(rt.config.EMBEDDING_DIMENSIONS).toBe(initial);
  });
});
