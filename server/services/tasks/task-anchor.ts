import type { TaskStatus } from '../../../db/schema/tasks';
import { AppError, badRequest } from '../../errors';

export type AnchorField = 'afterId' | 'beforeId';
/** What is known of the task a move names as its neighbour; null when it does not exist. */
export type AnchorFacts = { projectId: string; status: TaskStatus; archived: boolean } | null;

/**
 * Why a task named as a neighbour cannot be one, worded by its field
 * ("afterId: task '…' is in the 'doing' column, not 'todo'"), or null when it
 * can. Every transport has the service check it (tasks.create, tasks.edit),
 * so an anchor is refused in the same words, and after the same rules.
 */
export function anchorRefusal(
  field: AnchorField,
  anchorId: string,
  anchor: AnchorFacts,
  target: { id?: string; projectId: string; status: TaskStatus },
): AppError | null {
  if (anchorId === target.id) return badRequest(`${field}: a task cannot be placed next to itself`, { field });
  if (!anchor) return new AppError('NOT_FOUND', `${field}: Task '${anchorId}' does not exist`);
  if (anchor.projectId !== target.projectId) return badRequest(`${field}: task '${anchorId}' is in another project`, { field });
  if (anchor.archived) return badRequest(`${field}: task '${anchorId}' is archived`, { field });
  if (anchor.status !== target.status)
    return badRequest(`${field}: task '${anchorId}' is in the '${anchor.status}' column, not '${target.status}'`, { field });
  return null;
}
