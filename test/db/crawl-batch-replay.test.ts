// A batch whose step runs twice (its writes committed, its result lost: a lost
// lease, a lost response) must fan out the same URLs the second time, or the
// rest of the crawl is never dispatched and the job never finishes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { processCrawlBatch } from '../../server/services/crawl/process-batch';
import { beginCrawl } from '../../server/services/crawl/run-crawl';
import { startCrawl } from '../../server/services/crawl/start-crawl';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

it('a batch run again returns the URLs it discovered the first time', async () => {
  const input = crawlInputSchema.parse({ url: `${site.url}/slowdocs/0`, mode: 'recursive', maxDepth: 40 });
  const job = await startCrawl(rt.database.db, async () => {}, input);
  const { batches } = await beginCrawl(rt.ingest, job.id);
  expect(batches).toHaveLength(1);
  const first = await processCrawlBatch(rt.ingest, job.id, batches[0]!);
  expect(first.newUrlIds).toHaveLength(3); // /slowdocs/0 links to 1, 2 and 3
  const again = await processCrawlBatch(rt.ingest, job.id, batches[0]!);
  expect(again.newUrlIds).toEqual(first.newUrlIds);
  // Their own batch, run twice, finds its children the same way, each found once.
  const next = await processCrawlBatch(rt.ingest, job.id, first.newUrlIds);
  expect(next.newUrlIds.length).toBeGreaterThan(0);
  expect((await processCrawlBatch(rt.ingest, job.id, first.newUrlIds)).newUrlIds).toEqual(next.newUrlIds);
  expect(next.newUrlIds.some((id) => first.newUrlIds.includes(id))).toBe(false);
});
