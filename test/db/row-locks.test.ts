import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pages } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { Database } from '../../db/types';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { startCrawl } from '../../server/services/crawl/start-crawl';
import { appendJobEvent, setJobStatus } from '../../server/services/jobs/job-progress';
import { createJob } from '../../server/services/jobs/jobs';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * Rows of `jobs` and `sources` are parents of rows written all the time (events,
 * frontier URLs, pages). Locking them FOR UPDATE conflicts with the KEY SHARE
 * lock every child insert takes, which deadlocked busy crawls. These tests hold
 * such a child insert open and check the locking side neither deadlocks nor waits.
 * PGlite has one connection, so there is nothing to interleave there.
 */
describe.skipIf(testDbKind() === 'pglite')('row locks on parents of busy tables', () => {
  let rt: TestRuntime;
  let db: Database;
  beforeAll(async () => {
    rt = await createTestRuntime({ poolMax: 4 });
    db = rt.database.db;
  });
  afterAll(async () => {
    await rt?.close();
  });

  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  // Other test files share the server: only this database's waiters count.
  const waitingOnAdvisoryLock = async () =>
    (
      await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from pg_locks where not granted and locktype = 'advisory'
              and database = (select oid from pg_database where datname = current_database())`,
      )
    )[0]!.n > 0;
  const settled = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => e.message,
    );

  it('a status change and an event written for the same job in another transaction both go through', async () => {
    const job = await createJob(db, { kind: 'crawl', sourceId: null, input: {} });
    const other = await createJob(db, { kind: 'crawl', sourceId: null, input: {} });
    const holding = deferred();
    const statusWaits = deferred();
    // Holds the event lock first, as a log line for another job does.
    const writer = db.transaction(async (tx) => {
      await appendJobEvent(tx, other.id, 'log', { message: 'first' });
      holding.resolve();
      await statusWaits.promise;
      await appendJobEvent(tx, job.id, 'log', { message: 'second' });
    });
    await holding.promise;
    const status = setJobStatus(db, job.id, 'running');
    await waitFor(() => waitingOnAdvisoryLock().then((w) => w || null), 5_000, 'the status change to wait for the event lock');
    statusWaits.resolve();
    expect(await Promise.all([settled(writer), settled(status)])).toEqual(['ok', 'ok']);
    expect((await setJobStatus(db, job.id, 'completed')).status).toBe('completed');
  });

  it('a second crawl of a source is refused without waiting for a transaction writing its pages', async () => {
    const noDispatch = async () => {};
    const input = crawlInputSchema.parse({ url: 'http://127.0.0.1:9/locked/' });
    const first = await startCrawl(db, noDispatch, input);
    let second: string | undefined;
    await db.transaction(async (tx) => {
      await tx
        .insert(pages)
        .values({ sourceId: first.sourceId!, url: 'http://127.0.0.1:9/locked/a', content: 'a', contentHash: 'a', charCount: 1, wordCount: 1 });
      const attempt = settled(startCrawl(db, noDispatch, input)).then((r) => (second = r));
      // A start that waited on this open transaction would never settle before it ends.
      await Promise.race([attempt, new Promise((r) => setTimeout(r, 5_000))]);
    });
    expect(second).toContain(first.id);
    expect(second).toMatch(/already running/);
  });
});
