import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { bigint, customType, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSettings, queryWithSettings } from '../../db/one-trip';
import { openEmbedded, pgliteThread } from '../../db/pglite';
import { DatabaseWorkerStopped, PGliteProxy } from '../../db/pglite-proxy';
import { queryRows } from '../../db/sql';
import type { Database } from '../../db/types';
import { fromDatabaseError } from '../../server/errors';
import { testDbKind } from '../helpers/db';
import { waitFor } from '../helpers/wait';

/**
 * The embedded database runs in a worker thread behind PGliteProxy. These check
 * that it keeps the in-thread semantics drizzle and Archon rely on: typed
 * values, PostgreSQL's error fields, transactions that no other caller's
 * statement interleaves with, notifications, closing, and what a dead worker does.
 */
const bytea = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' });
const items = pgTable('items', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  big: bigint('big', { mode: 'bigint' }),
  data: jsonb('data').$type<{ tags: string[] }>(),
  raw: bytea('raw'),
});

const CREATE = sql`create table items (id int primary key, name text not null, at timestamptz not null, big int8, data jsonb, raw bytea)`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(testDbKind() === 'postgres')('the embedded database in a worker thread', () => {
  let client: PGliteProxy;
  let db: Database;
  beforeAll(async () => {
    client = await PGliteProxy.create();
    db = drizzle({ client: client as never, schema: { items } }) as unknown as Database;
    await db.execute(sql`create extension if not exists vector`);
    await db.execute(CREATE);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('returns typed values as in-thread PGlite does', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await db.insert(items).values({ id: 1, name: 'one', at, big: 9007199254740993n, data: { tags: ['a', 'b'] }, raw: new Uint8Array([0, 1, 255]) });
    const [row] = await db.select().from(items).where(eq(items.id, 1));
    expect(row).toEqual({ id: 1, name: 'one', at, big: 9007199254740993n, data: { tags: ['a', 'b'] }, raw: new Uint8Array([0, 1, 255]) });
    expect(row!.at).toBeInstanceOf(Date);
    const [raw] = await queryRows<Record<string, unknown>>(
      db,
      sql`select '[1,2,3]'::vector as v, array[1,2]::int[] as a, 'x'::text as t, null::int as n, 2.5::float8 as f`,
    );
    expect(raw).toEqual({ v: '[1,2,3]', a: [1, 2], t: 'x', n: null, f: 2.5 });
  });

  it('keeps PostgreSQL’s error code and constraint, which map to the API’s errors', async () => {
    const err = await db
      .insert(items)
      .values({ id: 1, name: 'again', at: new Date() })
      .catch((e: unknown) => e);
    const cause = (err as { cause?: Record<string, unknown> }).cause!;
    expect(cause).toMatchObject({ code: '23505', constraint: 'items_pkey', table: 'items' });
    expect(cause.message).toMatch(/duplicate key value violates unique constraint "items_pkey"/);
    expect(fromDatabaseError(err)?.code).toBe('CONFLICT');
    const syntax = await client.query('selec 1').catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601', name: 'DatabaseError' });
  });

  it('runs several statements in one call (queryWithSettings), planned after the settings apply', async () => {
    const rows = await queryWithSettings<{ s: string }>(db, localSettings({ work_mem: '7MB' }), sql`select current_setting('work_mem') as s`);
    expect(rows).toEqual([{ s: '7MB' }]);
    expect((await queryRows<{ s: string }>(db, sql`select current_setting('work_mem') as s`))[0]!.s).not.toBe('7MB');
  });

  it('lets no other caller’s statement run inside a transaction', async () => {
    const order: string[] = [];
    const tx = db.transaction(async (t) => {
      await t.insert(items).values({ id: 2, name: 'uncommitted', at: new Date() });
      order.push('tx wrote');
      await sleep(300);
      order.push('tx ends');
      t.rollback();
    });
    await waitFor(() => order.length > 0);
    // Started while the transaction is open: it runs after it, and sees nothing it wrote.
    const outside = db
      .select()
      .from(items)
      .where(eq(items.id, 2))
      .then((rows) => {
        order.push('outside read');
        return rows;
      });
    await expect(tx).rejects.toThrow(/Rollback/);
    expect(await outside).toEqual([]);
    expect(order).toEqual(['tx wrote', 'tx ends', 'outside read']);
  });

  it('serialises concurrent transactions: no update is lost', async () => {
    await db.insert(items).values({ id: 3, name: '0', at: new Date() });
    const increment = () =>
      db.transaction(async (t) => {
        const [row] = await t.select().from(items).where(eq(items.id, 3));
        await sleep(50);
        await t
          .update(items)
          .set({ name: String(Number(row!.name) + 1) })
          .where(eq(items.id, 3));
      });
    await Promise.all([increment(), increment(), increment()]);
    expect((await db.select().from(items).where(eq(items.id, 3)))[0]!.name).toBe('3');
  });

  it('commits, rolls back on a throw, and nests savepoints', async () => {
    await db.transaction(async (t) => {
      await t.insert(items).values({ id: 4, name: 'kept', at: new Date() });
      await t
        .transaction(async (inner) => {
          await inner.insert(items).values({ id: 5, name: 'dropped', at: new Date() });
          throw new Error('inner fails');
        })
        .catch(() => {});
    });
    await expect(
      db.transaction(async (t) => {
        await t.insert(items).values({ id: 6, name: 'dropped', at: new Date() });
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    const ids = (await db.select({ id: items.id }).from(items)).map((r) => r.id).sort();
    expect(ids).toEqual([1, 3, 4]);
  });

  it('delivers notifications after commit, none from a rolled-back transaction, and none once unlistened', async () => {
    const got: string[] = [];
    const off = await client.listen('proxy_test', (p) => got.push(p));
    await db.execute(sql`notify proxy_test, 'one'`);
    await db
      .transaction(async (t) => {
        await t.execute(sql`notify proxy_test, 'rolled back'`);
        t.rollback();
      })
      .catch(() => {});
    await db.transaction(async (t) => {
      await t.execute(sql`notify proxy_test, 'two'`);
    });
    await waitFor(() => got.length >= 2);
    await off();
    await db.execute(sql`notify proxy_test, 'three'`);
    await sleep(100);
    expect(got).toEqual(['one', 'two']);
  });

  it('dumps its data directory as a Blob a new database starts from', async () => {
    const dump = await client.dumpDataDir('none');
    expect(dump).toBeInstanceOf(Blob);
    const copy = await PGliteProxy.create({ loadDataDir: dump });
    try {
      expect((await copy.query<{ n: number }>('select count(*)::int as n from items')).rows[0]!.n).toBe(3);
    } finally {
      await copy.close();
    }
  });

  it('keeps the event loop free while a long statement (an HNSW index build) runs', async () => {
    await client.exec(`create table vecs (id int, v vector(256));
      insert into vecs select i, (select array_agg(random())::vector(256) from generate_series(1, 256) where i > 0) from generate_series(1, 2000) i`);
    // How late a 10 ms timer fires while the build runs: in the server's thread, as late as the build is long.
    let gap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
    }, 10);
    const t0 = performance.now();
    await client.query('create index on vecs using hnsw (v vector_cosine_ops)');
    const buildMs = performance.now() - t0;
    clearInterval(timer);
    gap = Math.max(gap, performance.now() - last);
    expect(buildMs).toBeGreaterThan(500);
    // Loose, for a loaded machine: in-thread the gap is the whole build.
    expect(gap).toBeLessThan(buildMs / 2);
  });
});

describe.skipIf(testDbKind() === 'postgres')('closing and losing the worker', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses statements after close, clearly, and closes once', async () => {
    const client = await PGliteProxy.create();
    await client.close();
    await client.close();
    await expect(client.query('select 1')).rejects.toThrow(/embedded database is closed/);
  });

  it('fails every call once an in-memory database’s worker dies (its data is gone)', async () => {
    const events: string[] = [];
    const client = await PGliteProxy.create({ onEvent: (m) => events.push(m) });
    const inFlight = client.query('select pg_sleep(2)');
    await sleep(200);
    await client.crashForTest();
    const err = await inFlight.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseWorkerStopped);
    expect(err).toMatchObject({ code: '57P01', message: expect.stringMatching(/stopped .*did not complete/) });
    await expect(client.query('select 1')).rejects.toThrow(/was in memory, so its data is gone\. Restart Archon/);
    expect(events).toEqual([expect.stringMatching(/in memory/)]);
    await client.close();
  });

  it('starts a data directory’s worker again: committed data, settings and listeners are back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-proxy-'));
    dirs.push(dir);
    const events: string[] = [];
    const client = await PGliteProxy.create({ dataDir: dir, settings: { 'hnsw.ef_search': '77' }, onEvent: (m) => events.push(m) });
    try {
      await client.exec(`create extension if not exists vector; create table kept (id int); insert into kept values (1);`);
      const got: string[] = [];
      await client.listen('after_restart', (p) => got.push(p));
      await client.crashForTest();
      await waitFor(() => events.some((e) => /running again/.test(e)), 30_000, 'the worker to restart');
      expect((await client.query<{ id: number }>('select id from kept')).rows).toEqual([{ id: 1 }]);
      expect((await client.query<{ s: string }>(`select current_setting('hnsw.ef_search') as s`)).rows[0]!.s).toBe('77');
      await client.query(`notify after_restart, 'back'`);
      await waitFor(() => got.length === 1);
      expect(events[0]).toMatch(/stopped .*starting it again/);
    } finally {
      await client.close();
    }
  });

  it('runs in a worker unless ARCHON_PGLITE_THREAD=main, and names a bad value', () => {
    expect(pgliteThread({})).toBe('worker');
    expect(pgliteThread({ ARCHON_PGLITE_THREAD: 'main' })).toBe('main');
    expect(() => pgliteThread({ ARCHON_PGLITE_THREAD: 'both' })).toThrow('ARCHON_PGLITE_THREAD must be worker or main, got "both"');
  });

  it('opens a data directory through openEmbedded in a worker, and takes its lock', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-proxy-'));
    dirs.push(dir);
    const handle = await openEmbedded(dir);
    try {
      expect((handle.db as unknown as { $client: unknown }).$client).toBeInstanceOf(PGliteProxy);
      await expect(openEmbedded(dir)).rejects.toThrow(/already open in this process/);
      expect((await queryRows<{ one: number }>(handle.db, sql`select 1 as one`))[0]!.one).toBe(1);
    } finally {
      await handle.close();
    }
  });
});
