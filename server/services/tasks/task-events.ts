import { and, asc, eq, gt, max } from 'drizzle-orm';
import { taskEvents } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { CHANNELS, notify } from '../../realtime/channels';

export type TaskEventKind = 'created' | 'updated' | 'moved' | 'reordered' | 'archived' | 'unarchived' | 'deleted';

export type TaskEvent = {
  id: number;
  projectId: string;
  taskId: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
};

/**
 * Appends a change to the project's log and notifies listeners on commit. The
 * caller must hold the project lock (lockProject), which makes event ids
 * increase in commit order per project: a subscriber resuming after id N can
 * never miss an event that commits later with a smaller id.
 */
export async function appendTaskEvent(
  tx: Database,
  event: { projectId: string; taskId: string; kind: TaskEventKind; payload: Record<string, unknown> },
): Promise<number> {
  const [row] = await tx.insert(taskEvents).values(event).returning({ id: taskEvents.id });
  await notify(tx, CHANNELS.tasks, { key: event.projectId, id: row!.id });
  return row!.id;
}

export async function taskEventsAfter(db: Database, projectId: string, cursor: number, limit: number): Promise<TaskEvent[]> {
  return db
    .select()
    .from(taskEvents)
    .where(and(eq(taskEvents.projectId, projectId), gt(taskEvents.id, cursor)))
    .orderBy(asc(taskEvents.id))
    .limit(limit);
}

export async function latestTaskEventId(db: Database, projectId: string): Promise<number> {
  const [row] = await db
    .select({ id: max(taskEvents.id) })
    .from(taskEvents)
    .where(eq(taskEvents.projectId, projectId));
  return row?.id ?? 0;
}
