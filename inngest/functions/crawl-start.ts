import { getRuntime } from '../../server/runtime/global';
import { setJobStatus } from '../../server/services/jobs/job-progress';
import { beginCrawl } from '../../server/services/crawl/run-crawl';
import { inngest } from '../client';
import { cancelOnJob, crawlFinalize, crawlPages, crawlRequested } from '../events';

/** Plans a crawl and fans its first URLs out to `crawl-pages`, a batch per event. */
export const crawlStart = inngest.createFunction(
  {
    id: 'crawl-start',
    triggers: [crawlRequested],
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
    const { batches } = await step.run('plan-and-seed', async () => beginCrawl((await getRuntime()).ingest, jobId));
    if (batches.length === 0) {
      await step.sendEvent('finalize', crawlFinalize.create({ jobId }, { id: `crawl-finalize-${jobId}` }));
      return { batches: 0 };
    }
    await step.sendEvent(
      'fan-out',
      batches.map((urlIds) => crawlPages.create({ jobId, urlIds }, { id: `crawl-pages-${jobId}-${urlIds[0]}` })),
    );
    return { batches: batches.length };
  },
);
