import { getRuntime } from '../../server/runtime/global';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { summarizeJobSource } from '../../server/services/ingest/source-summary';
import { failUploadFile, finishUploadIfDone, isUploadSettled, processUploadFile } from '../../server/services/uploads/process-upload';
import { inngest } from '../client';
import { cancelOnJob, uploadFile } from '../events';

type Step = { run<T>(id: string, fn: () => Promise<T>): Promise<unknown> };

/** After the last file: the source's summary, its vectors indexed, then the job's final status. */
async function finishIfLast(step: Step, jobId: string) {
  const settled = await step.run('check-settled', async () => isUploadSettled((await getRuntime()).database.db, jobId));
  if (!settled) return;
  await step.run('summarize-source', async () => summarizeJobSource((await getRuntime()).ingest, jobId));
  await step.run('index-vectors', async () => indexJobVectors((await getRuntime()).ingest, jobId));
  await step.run('finish-job', async () => finishUploadIfDone((await getRuntime()).database.db, jobId));
}

/**
 * Converts, embeds and stores one uploaded file, then ends the upload job if
 * it was the last. A file that keeps failing is recorded as failed and the
 * job still finishes with the others.
 */
export const uploadFileFn = inngest.createFunction(
  {
    id: 'upload-file',
    triggers: [uploadFile],
    retries: 3,
    concurrency: { limit: 2, key: 'event.data.jobId' },
    cancelOn: cancelOnJob,
    onFailure: async ({ event, error, step }) => {
      const { jobId, fileId } = event.data.event.data;
      await step.run('fail-file', async () =>
        failUploadFile((await getRuntime()).database.db, jobId, fileId, `Could not process the file: ${error.message}`),
      );
      await finishIfLast(step, jobId);
    },
  },
  async ({ event, step }) => {
    const { jobId, fileId } = event.data;
    const outcome = await step.run('ingest-file', async () => processUploadFile((await getRuntime()).ingest, jobId, fileId));
    await finishIfLast(step, jobId);
    return outcome;
  },
);
