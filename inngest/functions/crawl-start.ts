import { beginCrawl } from '../../server/services/crawl/run-crawl';
import { inngest } from '../client';
import { cancelOnJob, crawlFinalizeEvent, crawlPagesEvent, crawlRequestedEvent } from '../events';
import { failJob } from '../services';

/** Plans a crawl and fans its first URLs out to `crawl-pages`, a batch per event. */
export const crawlStart = inngest.createFunction(
  { id: 'crawl-start', name: 'Crawl: plan and seed', triggers: [crawlRequestedEvent], retries: 3, cancelOn: cancelOnJob, onFailure: failJob },
  async ({ event, step, services }) => {
    const { jobId } = event.data;
    const { batches } = await step.run('plan-and-seed', () => beginCrawl(services.ingest, jobId));
    if (batches.length === 0) {
      await step.sendEvent('finalize', crawlFinalizeEvent.create({ jobId }, { id: `crawl-finalize-${jobId}` }));
      return { batches: 0 };
    }
    await step.sendEvent(
      'fan-out',
      batches.map((urlIds) => crawlPagesEvent.create({ jobId, urlIds }, { id: `crawl-pages-${jobId}-${urlIds[0]}` })),
    );
    return { batches: batches.length };
  },
);
