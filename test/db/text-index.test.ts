import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/sql';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const db = () => rt.database.db;
/** Merges the pending list itself: how many pages it held. */
const pendingPages = async (index: string) =>
  (await queryRows<{ pages: number }>(db(), sql`select gin_clean_pending_list(${index}::regclass)::int as pages`))[0]!.pages;
/** New full-text entries, as a crawl's or an upload's rows bring them: each updated row is indexed again. */
const touchText = (table: 'chunks' | 'code_examples') =>
  db().execute(
    sql.raw(`update ${table} set ${table === 'chunks' ? 'content' : 'code'} = ${table === 'chunks' ? 'content' : 'code'} || ' zzpending${table}'`),
  );

describe('full-text entries left pending by ingestion', () => {
  it('are merged into the GIN indexes by the last step of every ingestion job', async () => {
    const { id: jobId } = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
    expect((await jobSettled(rt, jobId)).status).toBe('completed');
    const [counts] = await queryRows<{ chunks: number; code: number }>(
      db(),
      sql`select (select count(*) from chunks)::int as chunks, (select count(*) from code_examples)::int as code`,
    );
    expect(counts!.chunks).toBeGreaterThan(0);
    expect(counts!.code).toBeGreaterThan(0);

    // Without the merge, new entries wait in the pending list (so this test can fail).
    await touchText('chunks');
    expect(await pendingPages('chunks_search_idx')).toBeGreaterThan(0);

    for (const table of ['chunks', 'code_examples'] as const) await touchText(table);
    await indexJobVectors(rt.ingest, jobId);
    expect(await pendingPages('chunks_search_idx')).toBe(0);
    expect(await pendingPages('code_examples_search_idx')).toBe(0);
    // And the merged entries are found.
    const found = await rt.caller.knowledge.search({ query: 'zzpendingchunks', mode: 'fulltext', limit: 5 });
    expect(found.results.length).toBeGreaterThan(0);
  });
});
