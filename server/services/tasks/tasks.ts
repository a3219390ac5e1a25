import { and, asc, count, desc, eq, ilike, inArray, isNull, max, ne, or, sql } from 'drizzle-orm';
import { codeExamples, sources, taskCodeExamples, taskSources, tasks } from '../../../db/schema';
import type { TaskStatus } from '../../../db/schema/tasks';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { badRequest, conflict, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { CreateTaskInput, ListTasksInput, MoveTaskInput, UpdateTaskInput } from '../../schemas/tasks';
import { getProject, lockProject } from '../projects/projects';
import { anchorRefusal } from './task-anchor';
import { appendTaskEvent, type TaskEventKind } from './task-events';
import { POSITION_GAP, positionBetween, renumber } from './task-ordering';

export const taskColumns = {
  id: tasks.id,
  projectId: tasks.projectId,
  parentId: tasks.parentId,
  title: tasks.title,
  description: tasks.description,
  status: tasks.status,
  assignee: tasks.assignee,
  priority: tasks.priority,
  feature: tasks.feature,
  position: tasks.position,
  archived: tasks.archived,
  archivedAt: tasks.archivedAt,
  archivedBy: tasks.archivedBy,
  version: tasks.version,
  createdAt: tasks.createdAt,
  updatedAt: tasks.updatedAt,
};
type TaskRow = { [K in keyof typeof taskColumns]: (typeof tasks.$inferSelect)[K] };
export type Task = TaskRow & { sourceIds: string[]; codeExampleIds: number[] };

async function findTask(db: Database, id: string): Promise<TaskRow> {
  const [row] = await db.select(taskColumns).from(tasks).where(eq(tasks.id, id));
  if (!row) throw notFound('Task', id);
  return row;
}

/** Finds the task, then locks its project so every write to one project is serialised. */
async function lockTask(tx: Database, id: string): Promise<TaskRow> {
  const { projectId } = await findTask(tx, id);
  await lockProject(tx, projectId);
  const task = await findTask(tx, id);
  if (task.projectId !== projectId) throw conflict(`Task '${id}' moved to another project; try again`);
  return task;
}

async function withLinks(db: Database, rows: TaskRow[]): Promise<Task[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [src, code] = await Promise.all([
    db.select().from(taskSources).where(inArray(taskSources.taskId, ids)),
    db.select().from(taskCodeExamples).where(inArray(taskCodeExamples.taskId, ids)),
  ]);
  return rows.map((r) => ({
    ...r,
    sourceIds: src.filter((s) => s.taskId === r.id).map((s) => s.sourceId),
    codeExampleIds: code.filter((c) => c.taskId === r.id).map((c) => c.codeExampleId),
  }));
}

async function emit(tx: Database, kind: TaskEventKind, task: Task | TaskRow, extra: Record<string, unknown> = {}) {
  await appendTaskEvent(tx, { projectId: task.projectId, taskId: task.id, kind, payload: { task, ...extra } });
}

async function replaceLinks(tx: Database, taskId: string, input: { sourceIds?: string[]; codeExampleIds?: number[] }) {
  if (input.sourceIds) {
    const wanted = [...new Set(input.sourceIds)];
    if (wanted.length) {
      const found = await tx.select({ id: sources.id }).from(sources).where(inArray(sources.id, wanted));
      const missing = wanted.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw badRequest(`Unknown source ids: ${missing.join(', ')}`, { field: 'sourceIds', missing });
    }
    await tx.delete(taskSources).where(eq(taskSources.taskId, taskId));
    if (wanted.length) await tx.insert(taskSources).values(wanted.map((sourceId) => ({ taskId, sourceId })));
  }
  if (input.codeExampleIds) {
    const wanted = [...new Set(input.codeExampleIds)];
    if (wanted.length) {
      const found = await tx.select({ id: codeExamples.id }).from(codeExamples).where(inArray(codeExamples.id, wanted));
      const missing = wanted.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw badRequest(`Unknown code example ids: ${missing.join(', ')}`, { field: 'codeExampleIds', missing });
    }
    await tx.delete(taskCodeExamples).where(eq(taskCodeExamples.taskId, taskId));
    if (wanted.length) await tx.insert(taskCodeExamples).values(wanted.map((codeExampleId) => ({ taskId, codeExampleId })));
  }
}

async function endOfColumn(tx: Database, projectId: string, status: TaskStatus, excludeId?: string): Promise<number> {
  const [row] = await tx
    .select({ p: max(tasks.position) })
    .from(tasks)
    .where(and(eq(tasks.projectId, projectId), eq(tasks.status, status), eq(tasks.archived, false), excludeId ? ne(tasks.id, excludeId) : undefined));
  return row?.p == null ? 0 : row.p + POSITION_GAP;
}

/**
 * A task with its subtasks, each with its links. Archived subtasks are left out, as lists leave them out, unless the
 * task is archived itself: then it is read with those archived along with it.
 */
export async function getTask(db: Database, id: string) {
  const [task] = await withLinks(db, [await findTask(db, id)]);
  const rows = await db
    .select(taskColumns)
    .from(tasks)
    .where(and(eq(tasks.parentId, id), task!.archived ? undefined : eq(tasks.archived, false)))
    .orderBy(asc(tasks.status), asc(tasks.position), asc(tasks.id));
  return { ...task!, subtasks: await withLinks(db, rows) };
}

/** Where to put a task in its column: right after `afterId` or right before `beforeId`; neither means the end. */
export type TaskPlace = { afterId?: string | null; beforeId?: string | null };

/**
 * Creates a task at the end of its column, or at `place` there. With a place,
 * the task is written only if the place is good (one transaction), and a bad
 * anchor is refused by its field (see positionIn).
 */
export async function createTask(db: Database, input: CreateTaskInput, place?: TaskPlace): Promise<Task> {
  return db.transaction(async (tx) => {
    await lockProject(tx, input.projectId);
    if (input.parentId) {
      const [parent] = await tx.select(taskColumns).from(tasks).where(eq(tasks.id, input.parentId));
      if (!parent) throw notFound('Parent task', input.parentId);
      if (parent.projectId !== input.projectId) throw badRequest('A subtask must belong to the same project as its parent', { field: 'parentId' });
      if (parent.parentId) throw badRequest('Subtasks can only be one level deep: the parent is itself a subtask', { field: 'parentId' });
      if (parent.archived) throw conflict('The parent task is archived; unarchive it first');
    }
    const position = await endOfColumn(tx, input.projectId, input.status);
    const [row] = await tx
      .insert(tasks)
      .values({
        projectId: input.projectId,
        parentId: input.parentId ?? null,
        title: input.title,
        description: input.description,
        status: input.status,
        assignee: input.assignee,
        priority: input.priority,
        feature: input.feature ?? null,
        position,
      })
      .returning(taskColumns);
    let created = row!;
    if (place?.afterId || place?.beforeId) {
      const placed = await positionIn(tx, created, input.status, place, { named: true });
      [created] = (await tx.update(tasks).set({ position: placed }).where(eq(tasks.id, created.id)).returning(taskColumns)) as [TaskRow];
    }
    await replaceLinks(tx, created.id, input);
    const [task] = await withLinks(tx, [created]);
    await emit(tx, 'created', task!);
    return task!;
  });
}

function checkVersion(task: TaskRow, expected: number | undefined) {
  if (expected !== undefined && expected !== task.version) {
    throw conflict(`Task '${task.id}' was changed by someone else: it is at version ${task.version}, your change was based on version ${expected}`, {
      currentVersion: task.version,
    });
  }
}

export async function updateTask(db: Database, input: UpdateTaskInput): Promise<Task> {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, input.id);
    checkVersion(current, input.expectedVersion);
    const { id, expectedVersion: _v, sourceIds, codeExampleIds, ...changes } = input;
    const statusChanged = changes.status !== undefined && changes.status !== current.status;
    // As tasks.move and manage_task: an archived task is off the board, and comes back where unarchiving puts it.
    if (statusChanged && current.archived) throw conflict('Archived tasks cannot be moved; unarchive it first');
    const position = statusChanged ? await endOfColumn(tx, current.projectId, changes.status!, id) : undefined;
    const [row] = await tx
      .update(tasks)
      .set({ ...changes, ...(position !== undefined && { position }), version: current.version + 1, updatedAt: new Date() })
      .where(eq(tasks.id, id))
      .returning(taskColumns);
    await replaceLinks(tx, id, { sourceIds, codeExampleIds });
    const [task] = await withLinks(tx, [row!]);
    await emit(tx, statusChanged ? 'moved' : 'updated', task!);
    return task!;
  });
}

/**
 * The position for a task dropped into a column at `place` (the end without
 * one), renumbering the column when its neighbours leave no room between
 * them. Concurrent moves in one project are serialised by the project lock,
 * so each sees the other's result.
 *
 * A board (`named: false`) drops a task next to a neighbour it showed: if
 * that neighbour has left the column meanwhile, the move fails with CONFLICT
 * rather than landing somewhere the user did not choose. A caller that named
 * the anchor by its field (`named: true`, the MCP tools) is told what is
 * wrong with it: `afterId: Task '…' does not exist`, is in another project,
 * is archived, or is in another column.
 */
async function positionIn(
  tx: Database,
  task: { id: string; projectId: string },
  status: TaskStatus,
  place: TaskPlace,
  opts: { named: boolean },
): Promise<number> {
  // As manage_task: following one and ignoring the other would put the task where the caller may not have meant.
  if (place.afterId && place.beforeId) throw badRequest('afterId and beforeId: give at most one', { field: 'beforeId' });
  const column = await tx
    .select({ id: tasks.id, position: tasks.position })
    .from(tasks)
    .where(and(eq(tasks.projectId, task.projectId), eq(tasks.status, status), eq(tasks.archived, false), ne(tasks.id, task.id)))
    .orderBy(asc(tasks.position), asc(tasks.id));
  let index = column.length;
  const anchor = place.afterId ?? place.beforeId;
  if (anchor) {
    const field = place.afterId ? 'afterId' : 'beforeId';
    if (anchor === task.id) {
      throw opts.named ? anchorRefusal(field, anchor, null, { ...task, status })! : badRequest('A task cannot be placed next to itself');
    }
    const at = column.findIndex((t) => t.id === anchor);
    if (at < 0) {
      const stale = conflict(`Task '${anchor}' is no longer in the '${status}' column; reload the board and try again`);
      if (!opts.named) throw stale;
      const [other] = await tx.select(taskColumns).from(tasks).where(eq(tasks.id, anchor));
      throw anchorRefusal(field, anchor, other ?? null, { ...task, status }) ?? stale;
    }
    index = place.afterId ? at + 1 : at;
  }
  const position = positionBetween(column, index);
  if (position !== null) return position;
  const renumbered = renumber(column, index, task.id);
  const others = renumbered.filter((placed) => placed.id !== task.id);
  // One statement for the whole column: a row each took a round trip apiece, 190-250 ms for a column of 125 on the
  // embedded database, and a board's drops into one slot close its gap every ten or so moves.
  if (others.length)
    await tx.execute(
      sql`update ${tasks} set position = u.position
          from json_to_recordset(${JSON.stringify(others)}::json) as u(id uuid, position bigint)
          where ${tasks.id} = u.id`,
    );
  await appendTaskEvent(tx, { projectId: task.projectId, taskId: task.id, kind: 'reordered', payload: { status, order: renumbered } });
  return renumbered[index]!.position;
}

/** Drag and drop: the task into a column, next to a neighbour or at the end (see positionIn). */
export async function moveTask(db: Database, input: MoveTaskInput): Promise<Task> {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, input.id);
    checkVersion(current, input.expectedVersion);
    if (current.archived) throw conflict('Archived tasks cannot be moved; unarchive it first');
    const position = await positionIn(tx, current, input.status, input, { named: false });
    const [row] = await tx
      .update(tasks)
      .set({ status: input.status, position, version: current.version + 1, updatedAt: new Date() })
      .where(eq(tasks.id, input.id))
      .returning(taskColumns);
    const [task] = await withLinks(tx, [row!]);
    await emit(tx, 'moved', task!);
    return task!;
  });
}

export type EditTaskInput = {
  id: string;
  expectedVersion?: number;
  changes?: Omit<UpdateTaskInput, 'id' | 'expectedVersion' | 'status'>;
  /** A column, and a place there by a named anchor (positionIn); the end without one. */
  move?: TaskPlace & { status: TaskStatus };
};

/**
 * Changes a task's fields and moves it, in one transaction and as one new
 * version: if the move is refused (a bad anchor), nothing is written. For
 * callers that do both at once (the MCP manage_task tool).
 */
export async function editTask(db: Database, input: EditTaskInput): Promise<Task> {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, input.id);
    checkVersion(current, input.expectedVersion);
    const { sourceIds, codeExampleIds, ...fields } = input.changes ?? {};
    const changed = Object.values(input.changes ?? {}).some((v) => v !== undefined);
    if (!changed && !input.move) throw badRequest('nothing to update');
    // The column it is in, with no place in it, is no move (as tasks.update with the same status): it keeps its place.
    const move = input.move && (input.move.afterId || input.move.beforeId || input.move.status !== current.status) ? input.move : undefined;
    if (move && current.archived) throw conflict('Archived tasks cannot be moved; unarchive it first');
    const position = move ? await positionIn(tx, current, move.status, move, { named: true }) : undefined;
    const [row] = await tx
      .update(tasks)
      .set({
        ...fields,
        ...(move && { status: move.status, position }),
        version: current.version + 1,
        updatedAt: new Date(),
      })
      .where(eq(tasks.id, input.id))
      .returning(taskColumns);
    await replaceLinks(tx, input.id, { sourceIds, codeExampleIds });
    const [task] = await withLinks(tx, [row!]);
    await emit(tx, move ? 'moved' : 'updated', task!);
    return task!;
  });
}

/** Archives a task and its subtasks; they are hidden from lists unless asked for. */
export async function archiveTask(db: Database, input: { id: string; archivedBy: string }) {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, input.id);
    if (current.archived) throw conflict(`Task '${input.id}' is already archived`);
    const rows = await tx
      .update(tasks)
      .set({ archived: true, archivedAt: new Date(), archivedBy: input.archivedBy, version: sql`${tasks.version} + 1`, updatedAt: new Date() })
      .where(and(or(eq(tasks.id, input.id), eq(tasks.parentId, input.id)), eq(tasks.archived, false)))
      .returning(taskColumns);
    for (const row of rows) await emit(tx, 'archived', row);
    return { archived: rows.map((r) => r.id) };
  });
}

/**
 * Unarchives a task and the subtasks that were archived together with it. They
 * return at the end of their columns: their old places may have been taken.
 */
export async function unarchiveTask(db: Database, input: { id: string }) {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, input.id);
    if (!current.archived) throw conflict(`Task '${input.id}' is not archived`);
    if (current.parentId) {
      const parent = await findTask(tx, current.parentId);
      if (parent.archived) throw conflict('The parent task is archived; unarchive the parent first');
    }
    const returning = await tx
      .select({ id: tasks.id, status: tasks.status })
      .from(tasks)
      .where(or(eq(tasks.id, input.id), and(eq(tasks.parentId, input.id), eq(tasks.archived, true), eq(tasks.archivedAt, current.archivedAt!))))
      .orderBy(asc(tasks.position), asc(tasks.id));
    const rows: TaskRow[] = [];
    for (const t of returning) {
      const position = await endOfColumn(tx, current.projectId, t.status);
      const [row] = await tx
        .update(tasks)
        .set({ archived: false, archivedAt: null, archivedBy: null, position, version: sql`${tasks.version} + 1`, updatedAt: new Date() })
        .where(eq(tasks.id, t.id))
        .returning(taskColumns);
      rows.push(row!);
      await emit(tx, 'unarchived', row!);
    }
    return { unarchived: rows.map((r) => r.id) };
  });
}

/** Deletes a task for good, with its subtasks. Archive is the reversible alternative. */
export async function deleteTask(db: Database, id: string) {
  return db.transaction(async (tx) => {
    const current = await lockTask(tx, id);
    const rows = await tx
      .delete(tasks)
      .where(or(eq(tasks.id, id), eq(tasks.parentId, id)))
      .returning({ id: tasks.id });
    for (const row of rows) {
      await appendTaskEvent(tx, { projectId: current.projectId, taskId: row.id, kind: 'deleted', payload: { id: row.id } });
    }
    return { deleted: rows.map((r) => r.id) };
  });
}

export async function listTasks(db: Database, input: ListTasksInput): Promise<Page<Task & { subtaskCount: number }>> {
  if (input.projectId) await getProject(db, input.projectId);
  const statuses = input.status === undefined ? undefined : Array.isArray(input.status) ? input.status : [input.status];
  const text = input.query ? `%${escapeLike(input.query)}%` : undefined;
  const where = and(
    input.projectId ? eq(tasks.projectId, input.projectId) : undefined,
    statuses ? inArray(tasks.status, statuses) : undefined,
    input.assignee ? eq(tasks.assignee, input.assignee) : undefined,
    input.feature ? eq(tasks.feature, input.feature) : undefined,
    input.parentId === null ? isNull(tasks.parentId) : input.parentId ? eq(tasks.parentId, input.parentId) : undefined,
    input.includeArchived ? undefined : eq(tasks.archived, false),
    text ? or(ilike(tasks.title, text), ilike(tasks.description, text)) : undefined,
  );
  // Spelled out: inside a select list drizzle renders ${tasks.id} as a bare "id", which the subquery would capture.
  const subtaskCount = sql<number>`(select count(*) from tasks as sub where sub.parent_id = "tasks"."id" and not sub.archived)`.mapWith(Number);
  const order = input.projectId ? [asc(tasks.status), asc(tasks.position), asc(tasks.id)] : [desc(tasks.updatedAt), asc(tasks.id)];
  const [rows, [total]] = await Promise.all([
    db
      .select({ ...taskColumns, subtaskCount })
      .from(tasks)
      .where(where)
      .orderBy(...order)
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(tasks).where(where),
  ]);
  const linked = await withLinks(db, rows);
  const items = linked.map((t, i) => ({ ...t, subtaskCount: rows[i]!.subtaskCount }));
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

export type TaskCounts = Record<string, Record<TaskStatus, number>>;

/** Non-archived task counts per project and status; projects without tasks appear only when asked for by id. */
export async function countTasks(db: Database, input: { projectId?: string }): Promise<TaskCounts> {
  if (input.projectId) await getProject(db, input.projectId);
  const rows = await db
    .select({ projectId: tasks.projectId, status: tasks.status, n: count() })
    .from(tasks)
    .where(and(eq(tasks.archived, false), input.projectId ? eq(tasks.projectId, input.projectId) : undefined))
    .groupBy(tasks.projectId, tasks.status);
  const empty = (): Record<TaskStatus, number> => ({ todo: 0, doing: 0, review: 0, done: 0 });
  const counts: TaskCounts = {};
  if (input.projectId) counts[input.projectId] = empty();
  for (const r of rows) (counts[r.projectId] ??= empty())[r.status] = r.n;
  return counts;
}
