import { getRuntime } from '../../server/runtime';
import { refreshDueSources } from '../../server/services/crawl/scheduled-refresh';
import { dispatch } from '../dispatch';
import { inngest } from '../client';

/** Every quarter hour, starts a refresh of each source whose interval has elapsed. */
export const refreshScheduler = inngest.createFunction(
  { id: 'refresh-scheduler', triggers: [{ cron: '*/15 * * * *' }], retries: 1 },
  // The slot's time, not the wall clock: a late run still judges due-ness as of its slot.
  async ({ event, step }) =>
    step.run('start-due-refreshes', async () => refreshDueSources((await getRuntime()).database.db, dispatch, new Date(event.ts ?? Date.now()))),
);
