import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { finishReembed, reembedBatch } from '../../server/services/ingest/reembed';
import { inngest } from '../client';
import { cancelOnJob, reembedRequestedEvent } from '../events';
import { failJob } from '../services';

// A run may not exceed Inngest's 1,000 steps; 900 batches of 500 is 450,000 rows.
const MAX_BATCHES = 900;

/** Embeds stale rows again, a batch per step, until none is left. */
export const reembed = inngest.createFunction(
  { id: 'reembed', name: 'Re-embed stored chunks', triggers: [reembedRequestedEvent], retries: 3, cancelOn: cancelOnJob, onFailure: failJob },
  async ({ event, step, services }) => {
    const { jobId } = event.data;
    const skip = { chunks: [] as number[], codeExamples: [] as number[] };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const result = await step.run(`batch-${i}`, () => reembedBatch(services.ingest, jobId, skip));
      skip.chunks.push(...result.failed.chunks);
      skip.codeExamples.push(...result.failed.codeExamples);
      if (result.remaining === 0 || result.done + result.failed.chunks.length + result.failed.codeExamples.length === 0) break;
    }
    await step.run('index-vectors', () => indexJobVectors(services.ingest, jobId));
    const job = await step.run('finish', () => finishReembed(services.db, jobId));
    return { status: job.status };
  },
);
