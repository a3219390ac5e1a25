import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getHealth, HEALTH_STALL_MS, HEALTH_WAIT_MS } from '../../server/services/system/health';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

const health = () => getHealth(rt.database, rt);

/**
 * Keeps the database from answering the health check until `release()`: a
 * transaction holds the migrations table, which the check reads (on the
 * embedded database the transaction also holds its one session, as an index
 * build does).
 */
async function holdDatabase() {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const tx = rt.database.db.transaction(async (t) => {
    await t.execute(sql`lock table drizzle.__drizzle_migrations in access exclusive mode`);
    locked();
    await released;
  });
  await isLocked;
  return { release, done: tx };
}

describe('health while the database is busy', () => {
  it('answers within its wait from the last answer, says how long the database has been busy, and recovers', async () => {
    const first = await health();
    expect(first.database).toMatchObject({ reachable: true });
    expect(first.database.busyForMs).toBeUndefined();
    expect(first.migrations?.current).toBe(true);

    const hold = await holdDatabase();
    // Released late, so that a check waiting for the database (as before) would take this long.
    const safety = setTimeout(hold.release, 5_000);
    try {
      const t0 = performance.now();
      const [a, b] = await Promise.all([health(), health()]);
      const waited = performance.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(HEALTH_WAIT_MS - 5);
      expect(waited).toBeLessThan(2_500);
      for (const busy of [a, b]) {
        expect(busy.status).toBe('ok');
        expect(busy.database).toMatchObject({ reachable: true, serverVersion: first.database.serverVersion, pgvector: first.database.pgvector });
        expect(busy.database.busyForMs).toBeGreaterThanOrEqual(HEALTH_WAIT_MS - 5);
        expect(busy.migrations).toEqual(first.migrations);
      }
      // The probe still runs and has had its wait: a later check answers at once, from the same probe.
      const t1 = performance.now();
      const c = await health();
      expect(performance.now() - t1).toBeLessThan(HEALTH_WAIT_MS / 2);
      expect(c.database.busyForMs).toBeGreaterThanOrEqual(a.database.busyForMs!);

      // Still busy long after: reported unreachable, with how long it has waited.
      const now = Date.now();
      const later = vi.spyOn(Date, 'now').mockReturnValue(now + HEALTH_STALL_MS + 1_000);
      try {
        const stalled = await health();
        expect(stalled.status).toBe('degraded');
        expect(stalled.database.reachable).toBe(false);
        expect(stalled.database.error).toMatch(/has not answered for 12\d s/);
      } finally {
        later.mockRestore();
      }
    } finally {
      clearTimeout(safety);
      hold.release();
      await hold.done;
    }

    // Recovers once the probe that was waiting has its answer (on a loaded machine, that may take past one check's wait).
    await expect.poll(async () => (await health()).database.busyForMs, { timeout: 10_000 }).toBeUndefined();
    const after = await health();
    expect(after.database).toMatchObject({ reachable: true, serverVersion: first.database.serverVersion });
  });
});
