import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureReason } from '../../server/errors';
import { appendJobLog, setJobStatus } from '../../server/services/jobs/job-progress';
import { createJob, getJob, jobEventsAfter } from '../../server/services/jobs/jobs';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Job events are JSON documents, and PostgreSQL refuses a document holding a lone UTF-16 surrogate or a NUL, both of
// which a string cut to a length or a message quoting what a site or file held can carry.

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

describe('job events with text JSON cannot carry as it is', () => {
  it("logs a failure whose reason was cut in the middle of an emoji, as an upload's failed file is logged", async () => {
    const db = rt.database.db;
    const job = await createJob(db, { kind: 'upload', sourceId: null, input: {} });
    // failureReason keeps 2,000 characters: here the first half of the emoji.
    const reason = failureReason(new Error(`${'x'.repeat(1_999)}😀 and what the file said after it`));
    await appendJobLog(db, job.id, 'error', `Could not process the file: ${reason}`);
    const logs = (await jobEventsAfter(db, job.id, 0, 100)).filter((e) => e.kind === 'log').map((e) => e.payload.message);
    expect(logs).toEqual([`Could not process the file: ${'x'.repeat(1_999)}\uFFFD`]);
  });

  it('logs a line cut to its length inside an emoji, or holding a NUL', async () => {
    const db = rt.database.db;
    const job = await createJob(db, { kind: 'upload', sourceId: null, input: {} });
    await appendJobLog(db, job.id, 'warn', `${'y'.repeat(3_999)}😀`);
    await appendJobLog(db, job.id, 'error', 'Could not read a\0b.md');
    const logs = (await jobEventsAfter(db, job.id, 0, 100)).filter((e) => e.kind === 'log').map((e) => e.payload.message);
    expect(logs).toEqual([`${'y'.repeat(3_999)}\uFFFD`, 'Could not read a\uFFFDb.md']);
  });

  it("ends a job whose error holds a NUL, as a converter's message quoting a binary file can, rather than leaving it running", async () => {
    const db = rt.database.db;
    const job = await createJob(db, { kind: 'upload', sourceId: null, input: {} });
    await setJobStatus(db, job.id, 'failed', 'Could not queue the upload: bad header PK\0\u0003');
    expect(await getJob(db, job.id)).toMatchObject({ status: 'failed', error: 'Could not queue the upload: bad header PK\uFFFD\u0003' });
  });
});
