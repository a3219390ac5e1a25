import { finalizeCrawl } from '../../server/services/crawl/run-crawl';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { summarizeJobSource } from '../../server/services/ingest/source-summary';
import { inngest } from '../client';
import { crawlFinalizeEvent } from '../events';
import { failJob } from '../services';

/**
 * Completes a drained crawl: the source's summary, its vectors indexed, its
 * bookkeeping and the job's final status. If it gives up, the job is marked
 * failed rather than left running, which would refuse every later crawl of the source.
 */
export const crawlFinalize = inngest.createFunction(
  { id: 'crawl-finalize', name: 'Crawl: finalize', triggers: [crawlFinalizeEvent], retries: 3, onFailure: failJob },
  async ({ event, step, services }) => {
    const { jobId } = event.data;
    await step.run('summarize-source', () => summarizeJobSource(services.ingest, jobId));
    await step.run('index-vectors', () => indexJobVectors(services.ingest, jobId));
    const job = await step.run('finalize', () => finalizeCrawl(services.ingest, jobId));
    return { status: job.status };
  },
);
