import { refreshDueSources } from '../../server/services/crawl/scheduled-refresh';
import { indexStrayVectors } from '../../server/services/ingest/index-vectors';
import { inngest } from '../client';

/**
 * Every quarter hour, starts a refresh of each source whose interval has
 * elapsed, and folds in vectors that a cancelled or failed job left in the
 * backlog (a finished job does so itself) when no job is running.
 */
export const refreshScheduler = inngest.createFunction(
  { id: 'refresh-scheduler', triggers: [{ cron: '*/15 * * * *' }], retries: 1 },
  async ({ event, step, services }) => {
    // The slot's time, not the wall clock: a late run still judges due-ness as of its slot.
    const started = await step.run('start-due-refreshes', () => refreshDueSources(services.db, services.dispatch, new Date(event.ts ?? Date.now())));
    await step.run('index-stray-vectors', () => indexStrayVectors(services.ingest));
    return started;
  },
);
