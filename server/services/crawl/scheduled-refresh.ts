import { eq } from 'drizzle-orm';
import { sources } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { isAppError } from '../../errors';
import type { Dispatch } from '../../schemas/job-events';
import type { RefreshInterval } from '../../schemas/sources';
import { dueSources, nextRefresh } from '../knowledge/sources';
import { startRefresh } from './start-crawl';

/**
 * Starts a refresh of every source due at `now` (the clock is a parameter so
 * tests can move it). The next due time is pushed on at once, so a refresh
 * that fails is retried at the next interval rather than every tick.
 */
export async function refreshDueSources(db: Database, dispatch: Dispatch, now: Date) {
  const started: string[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const due of await dueSources(db, now)) {
    const [source] = await db.select({ interval: sources.refreshInterval }).from(sources).where(eq(sources.id, due.id));
    await db
      .update(sources)
      .set({ nextRefreshAt: nextRefresh((source?.interval ?? 'off') as RefreshInterval, now, now) })
      .where(eq(sources.id, due.id));
    try {
      await startRefresh(db, dispatch, due.id);
      started.push(due.id);
    } catch (err) {
      if (!isAppError(err)) throw err;
      skipped.push({ id: due.id, reason: err.message });
    }
  }
  return { started, skipped };
}
