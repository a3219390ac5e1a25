import { pruneSessions } from '../../server/services/auth/sessions';
import { refreshDueSources } from '../../server/services/crawl/scheduled-refresh';
import { indexStrayVectors } from '../../server/services/ingest/index-vectors';
import { inngest } from '../client';

/**
 * Every quarter hour, starts a refresh of each source whose interval has
 * elapsed, folds in vectors that a cancelled or failed job left in the
 * backlog (a finished job does so itself) when no job is running, and deletes
 * sessions that expired more than a day ago. The id names its first task only;
 * stored runs refer to it, so it stays.
 */
export const refreshScheduler = inngest.createFunction(
  { id: 'refresh-scheduler', name: 'Scheduled refreshes and upkeep', triggers: [{ cron: '*/15 * * * *' }], retries: 1 },
  async ({ event, step, services }) => {
    // The slot's time, not the wall clock: a late run still judges due-ness as of its slot.
    const started = await step.run('start-due-refreshes', () => refreshDueSources(services.db, services.dispatch, new Date(event.ts ?? Date.now())));
    await step.run('index-stray-vectors', () => indexStrayVectors(services.ingest));
    const sessionsPruned = await step.run('prune-sessions', () => pruneSessions(services.db));
    return { ...started, sessionsPruned };
  },
);
