import { getRuntime } from '../../server/runtime/global';
import { finalizeCrawl } from '../../server/services/crawl/run-crawl';
import { indexJobVectors } from '../../server/services/ingest/index-vectors';
import { summarizeJobSource } from '../../server/services/ingest/source-summary';
import { inngest } from '../client';
import { crawlFinalize } from '../events';

/** Completes a drained crawl: the source's summary, its vectors indexed, its bookkeeping and the job's final status. */
export const crawlFinalizeFn = inngest.createFunction(
  { id: 'crawl-finalize', triggers: [crawlFinalize], retries: 3 },
  async ({ event, step }) => {
    await step.run('summarize-source', async () => summarizeJobSource((await getRuntime()).ingest, event.data.jobId));
    await step.run('index-vectors', async () => indexJobVectors((await getRuntime()).ingest, event.data.jobId));
    const job = await step.run('finalize', async () => finalizeCrawl((await getRuntime()).ingest, event.data.jobId));
    return { status: job.status };
  },
);
