import { getRuntime } from '../../server/runtime/global';
import { finishReembed, reembedBatch } from '../../server/services/ingest/reembed';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { setJobStatus } from '../../server/services/jobs/job-progress';
import { inngest } from '../client';
import { cancelOnJob, reembedRequested } from '../events';

// A run may not exceed Inngest's 1,000 steps; 900 batches of 500 is 450,000 rows.
const MAX_BATCHES = 900;

/** Embeds stale rows again, a batch per step, until none is left. */
export const reembedFn = inngest.createFunction(
  {
    id: 'reembed',
    triggers: [reembedRequested],
    retries: 3,
    cancelOn: cancelOnJob,
    onFailure: async ({ event, error, step }) => {
      await step.run('mark-job-failed', async () =>
        setJobStatus((await getRuntime()).database.db, event.data.event.data.jobId, 'failed', error.message),
      );
    },
  },
  async ({ event, step }) => {
    const { jobId } = event.data;
    const skip = { chunks: [] as number[], codeExamples: [] as number[] };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const result = await step.run(`batch-${i}`, async () => reembedBatch((await getRuntime()).ingest, jobId, skip));
      skip.chunks.push(...result.failed.chunks);
      skip.codeExamples.push(...result.failed.codeExamples);
      if (result.remaining === 0 || result.done + result.failed.chunks.length + result.failed.codeExamples.length === 0) break;
    }
    await step.run('index-vectors', async () => indexJobVectors((await getRuntime()).ingest, jobId));
    const job = await step.run('finish', async () => finishReembed((await getRuntime()).database.db, jobId));
    return { status: job.status };
  },
);
