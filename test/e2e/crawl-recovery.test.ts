import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../db/pglite';
import { openServer } from '../../db/postgres';
import { queryRows } from '../../db/sql';
import type { DatabaseHandle } from '../../db/types';
import { type DocsSite, SLOW_PAGES, startDocsSite } from '../fixtures/docs-site';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { createTestRuntime } from '../helpers/runtime';
import { type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

type ChunkKey = { url: string; chunk_index: number; content_hash: string };

async function chunkSet(db: DatabaseHandle['db'], sourceId: string) {
  return queryRows<ChunkKey>(
    db,
    sql`select p.url, c.chunk_index, c.content_hash from chunks c join pages p on p.id = c.page_id
        where c.source_id = ${sourceId} order by p.url, c.chunk_index`,
  );
}

let site: DocsSite;
let env: Record<string, string>;
let dropDb: (() => Promise<void>) | undefined;
let dbUrl: string | undefined;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  site = await startDocsSite();
  env = { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64', RUNNER_LEASE_MS: '1500', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dbUrl = db.url;
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
});
afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  await dropDb?.();
  await site?.close();
});

describe('a crawl interrupted by kill -9', () => {
  it('is picked up after a restart and finishes with exactly the chunks of an uninterrupted crawl', async () => {
    const first = await startServerProcess(env);
    servers.push(first);
    const a = createArchonClient(first.url);
    const job = await a.client.knowledge.crawl.mutate({ url: `${site.url}/slowdocs/0`, mode: 'recursive', maxDepth: 40, concurrency: 2 });
    await waitFor(async () => (await a.client.jobs.get.query({ id: job.id })).pagesFetched >= 4, 60_000, 'first pages');
    await a.wsClient.close();
    first.proc.kill('SIGKILL');
    await first.exited;
    const fetchedBeforeCrash = site.requests.filter((r) => r.includes('/slowdocs/')).length;
    expect(fetchedBeforeCrash).toBeLessThan(SLOW_PAGES);

    const second = await startServerProcess({ ...env, ARCHON_DATA_DIR: first.dataDir, LOG_LEVEL: 'info' });
    servers.push(second);
    const b = createArchonClient(second.url);
    // PGlite runs in WebAssembly: alone the recovery takes ~15 s, with three such tests at once on two cores over 60.
    let last: unknown = null;
    const done = await waitFor(
      async () => {
        const j = await b.client.jobs.get.query({ id: job.id });
        last = j;
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
      },
      150_000,
      'recovered crawl',
    ).catch((err: Error) => {
      // A stuck recovery is a bug to find: say where the job stood and what the server logged.
      throw new Error(`${err.message}\njob: ${JSON.stringify(last)}\nserver log (tail):\n${second.output().slice(-6000)}`);
    });
    await b.wsClient.close();
    expect(done).toMatchObject({ status: 'completed', pagesFetched: SLOW_PAGES, pagesFailed: 0, pagesDiscovered: SLOW_PAGES });
    expect(await second.stop('SIGTERM')).toBe(0);

    const handle = dbUrl ? await openServer(dbUrl, 2) : await openEmbedded(first.dataDir);
    const recovered = await chunkSet(handle.db, job.sourceId!);
    const [counts] = await queryRows<{ pages: number; chunks: number; declared: number }>(
      handle.db,
      sql`select (select count(*)::int from pages where source_id = ${job.sourceId}) as pages,
                 (select count(*)::int from chunks where source_id = ${job.sourceId}) as chunks,
                 (select coalesce(sum(chunk_count), 0)::int from pages where source_id = ${job.sourceId}) as declared`,
    );
    await handle.close();
    expect(counts).toEqual({ pages: SLOW_PAGES, chunks: recovered.length, declared: recovered.length });

    // The same crawl, never interrupted, in a separate database.
    const reference = await createTestRuntime({ runner: true, env });
    try {
      const refJob = await reference.caller.knowledge.crawl({ url: `${site.url}/slowdocs/0`, mode: 'recursive', maxDepth: 40, concurrency: 2 });
      await waitFor(async () => (await reference.caller.jobs.get({ id: refJob.id })).status === 'completed', 120_000, 'reference crawl');
      expect(recovered).toEqual(await chunkSet(reference.database.db, refJob.sourceId!));
    } finally {
      await reference.close();
    }
  }, 360_000);
});
