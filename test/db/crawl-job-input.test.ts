import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../inngest/dispatch';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { crawlJobInput } from '../../server/services/crawl/crawl-job';
import { startCrawl, startRefresh } from '../../server/services/crawl/start-crawl';
import { createJob, getJob } from '../../server/services/jobs/jobs';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/**
 * A crawl job's stored input is parsed by its schema where the crawl reads
 * it. One that does not parse fails the job with a message saying what is
 * wrong, whichever function meets it first, instead of leaving it running.
 */
let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true });
});
afterAll(async () => {
  await rt?.close();
});

const badInput = { url: 'http://127.0.0.1:9/', startUrl: 'http://127.0.0.1:9/', sourceId: 'nowhere', maxPages: 'many' };

describe('a crawl job input', () => {
  it('parses as stored by a crawl and by a refresh', async () => {
    const noDispatch = async () => {};
    const crawl = await startCrawl(
      rt.database.db,
      noDispatch,
      crawlInputSchema.parse({ url: 'http://127.0.0.1:9/docs/', title: 'Docs', tags: ['a'] }),
    );
    expect(crawlJobInput(crawl)).toMatchObject({ startUrl: 'http://127.0.0.1:9/docs/', sourceId: crawl.sourceId, maxPages: 1000, scope: 'prefix' });
    await rt.caller.jobs.cancel({ id: crawl.id });
    const refresh = await startRefresh(rt.database.db, noDispatch, crawl.sourceId!);
    expect(crawlJobInput(refresh)).toMatchObject({ refresh: true, startUrl: 'http://127.0.0.1:9/docs/' });
    await rt.caller.jobs.cancel({ id: refresh.id });
  });

  it('that does not parse says which field is wrong', () => {
    expect(() => crawlJobInput({ id: 'j1', input: badInput })).toThrow(/^Job j1 has no valid crawl input \(maxPages: .*number/);
    expect(() => crawlJobInput({ id: 'j2', input: {} })).toThrow(/url: .*; startUrl: .*; sourceId: /);
  });

  it('that does not parse fails the job at its start, with that message', async () => {
    const job = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: badInput });
    await dispatch({ name: 'archon/crawl.requested', data: { jobId: job.id } });
    const done = await jobSettled(rt, job.id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/has no valid crawl input \(maxPages: /) });
  });

  it('that does not parse fails the job when it is finalized, rather than leaving it running', async () => {
    const job = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: badInput });
    await dispatch({ name: 'archon/crawl.finalize', data: { jobId: job.id } });
    const done = await jobSettled(rt, job.id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/has no valid crawl input/) });
    expect((await getJob(rt.database.db, job.id)).finishedAt).not.toBeNull();
  });
});
