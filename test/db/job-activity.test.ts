import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, jobActivityCheck, setJobStatus } from '../../server/services/jobs';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

describe('jobActivityCheck', () => {
  it('reads the job again only once its interval has passed, then sees a cancel', async () => {
    const job = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: {} });
    const isActive = jobActivityCheck(rt.database.db, job.id, 1_000);
    expect(await Promise.all([isActive(), isActive(), isActive()])).toEqual([true, true, true]);
    await setJobStatus(rt.database.db, job.id, 'cancelled');
    // Within the interval the last answer stands: that is what saves a query per URL.
    expect(await isActive()).toBe(true);
    await new Promise((r) => setTimeout(r, 1_020));
    expect(await isActive()).toBe(false);
  });
});
