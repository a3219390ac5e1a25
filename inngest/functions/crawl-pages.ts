import { failureReason } from '../../server/errors';
import { toBatches } from '../../server/services/crawl/frontier';
import { processCrawlBatch } from '../../server/services/crawl/process-batch';
import { abandonBatch, isCrawlDrained } from '../../server/services/crawl/run-crawl';
import { inngest } from '../client';
import { cancelOnJob, crawlFinalizeEvent, crawlPagesEvent } from '../events';

/**
 * Crawls one batch of URLs, fans out the links it found, and asks for the
 * crawl to be finalised once nothing is pending. Every step returns ids only.
 */
export const crawlPages = inngest.createFunction(
  {
    id: 'crawl-pages',
    name: 'Crawl: a batch of pages',
    triggers: [crawlPagesEvent],
    retries: 3,
    // Two batches per crawl keep both sides busy: while one batch's rows go
    // into the database, the other fetches and converts. With batches of 20
    // pages this measured as fast as three, with less CPU (docs/benchmarks.md).
    concurrency: { limit: 2, key: 'event.data.jobId' },
    cancelOn: cancelOnJob,
    onFailure: async ({ event, error, step, services }) => {
      const { jobId, urlIds } = event.data.event.data;
      await step.run('fail-batch', () => abandonBatch(services.ingest, jobId, urlIds, failureReason(error)));
      const drained = await step.run('check-drained', () => isCrawlDrained(services.ingest, jobId));
      if (drained) await step.sendEvent('finalize', crawlFinalizeEvent.create({ jobId }, { id: `crawl-finalize-${jobId}` }));
    },
  },
  async ({ event, step, services }) => {
    const { jobId, urlIds } = event.data;
    const { newUrlIds } = await step.run('crawl-batch', () => processCrawlBatch(services.ingest, jobId, urlIds));
    if (newUrlIds.length) {
      await step.sendEvent(
        'fan-out',
        toBatches(newUrlIds).map((ids) => crawlPagesEvent.create({ jobId, urlIds: ids }, { id: `crawl-pages-${jobId}-${ids[0]}` })),
      );
    }
    const drained = await step.run('check-drained', () => isCrawlDrained(services.ingest, jobId));
    if (drained) await step.sendEvent('finalize', crawlFinalizeEvent.create({ jobId }, { id: `crawl-finalize-${jobId}` }));
    return { found: newUrlIds.length };
  },
);
