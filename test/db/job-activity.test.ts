import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setJobStatus } from '../../server/services/jobs/job-progress';
import { createJob, jobActivityCheck } from '../../server/services/jobs/jobs';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('jobActivityCheck', () => {
  it('reads the job again only once its interval has passed, then sees a cancel', async () => {
    const job = await createJob(rt.database.db, { kind: 'crawl', sourceId: null, input: {} });
    // Only Date is faked: the interval is read from Date.now(), and the database keeps its real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const isActive = jobActivityCheck(rt.database.db, job.id, 1_000);
    expect(await Promise.all([isActive(), isActive(), isActive()])).toEqual([true, true, true]);
    await setJobStatus(rt.database.db, job.id, 'cancelled');
    // Within the interval the last answer stands: that is what saves a query per URL.
    vi.setSystemTime(t0 + 999);
    expect(await isActive()).toBe(true);
    vi.setSystemTime(t0 + 1_000);
    expect(await isActive()).toBe(false);
  });
});
