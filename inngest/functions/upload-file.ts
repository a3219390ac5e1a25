import { failureReason } from '../../server/errors';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { summarizeJobSource } from '../../server/services/ingest/source-summary';
import { failUploadFile, finishUploadIfDone, isUploadSettled, processUploadFile } from '../../server/services/uploads/process-upload';
import { inngest } from '../client';
import { cancelOnJob, uploadFileEvent } from '../events';
import type { JobServices } from '../services';

type Step = { run<T>(id: string, fn: () => Promise<T>): Promise<unknown> };

/** After the last file: the source's summary, its vectors indexed, then the job's final status. */
async function finishIfLast(step: Step, services: JobServices, jobId: string) {
  const settled = await step.run('check-settled', () => isUploadSettled(services.db, jobId));
  if (!settled) return;
  await step.run('summarize-source', () => summarizeJobSource(services.ingest, jobId));
  await step.run('index-vectors', () => indexJobVectors(services.ingest, jobId));
  await step.run('finish-job', () => finishUploadIfDone(services.ingest, jobId));
}

/**
 * Converts, embeds and stores one uploaded file, then ends the upload job if
 * it was the last. A file that keeps failing is recorded as failed and the
 * job still finishes with the others.
 */
export const uploadFile = inngest.createFunction(
  {
    id: 'upload-file',
    name: 'Upload: one file',
    triggers: [uploadFileEvent],
    retries: 3,
    concurrency: { limit: 2, key: 'event.data.jobId' },
    cancelOn: cancelOnJob,
    onFailure: async ({ event, error, step, services }) => {
      const { jobId, fileId } = event.data.event.data;
      await step.run('fail-file', () => failUploadFile(services.db, jobId, fileId, `Could not process the file: ${failureReason(error)}`));
      await finishIfLast(step, services, jobId);
    },
  },
  async ({ event, step, services }) => {
    const { jobId, fileId } = event.data;
    const outcome = await step.run('ingest-file', () => processUploadFile(services.ingest, jobId, fileId));
    await finishIfLast(step, services, jobId);
    return outcome;
  },
);
