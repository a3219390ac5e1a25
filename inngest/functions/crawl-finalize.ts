import { getRuntime } from '../../server/runtime';
import { finalizeCrawl } from '../../server/services/crawl/run-crawl';
import { inngest } from '../client';
import { crawlFinalize } from '../events';

/** Completes a drained crawl: source bookkeeping and the job's final status. */
export const crawlFinalizeFn = inngest.createFunction(
  { id: 'crawl-finalize', triggers: [crawlFinalize], retries: 3 },
  async ({ event, step }) => {
    const job = await step.run('finalize', async () => finalizeCrawl((await getRuntime()).crawl, event.data.jobId));
    return { status: job.status };
  },
);
