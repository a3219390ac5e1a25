import { and, asc, desc, eq, ne, or, sql } from 'drizzle-orm';
import { codeExamples, sources, taskCodeExamples, taskEvents, taskSources, tasks } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import { getProject } from '../projects/projects';
import { latestTaskEventId } from './task-events';
import { type Task, taskColumns } from './tasks';

/** The most tasks one board read returns; a project past it says so (`truncated`) rather than growing without bound. */
export const BOARD_LIMIT = 5_000;

const { description: _description, ...boardColumns } = taskColumns;

/** A task as the board and the table hold it: everything but the description, which only the editor reads. */
export type BoardTask = Omit<Task, 'description'> & { hasDescription: boolean };

export type Board = {
  /**
   * The id of the newest task event when the read began. Subscribing to
   * tasks.onChange from here replays anything that changed during the read;
   * every event carries whole rows, so applying those again converges.
   */
  cursor: string;
  tasks: BoardTask[];
  /** Titles of the knowledge sources the tasks link to, for the cards. */
  sources: { id: string; title: string }[];
  truncated: boolean;
};

/**
 * Every task of a project, top-level ones and subtasks (cards count their
 * subtasks' progress), in column order, with their links, without their
 * descriptions; archived ones only when asked for.
 */
export async function boardTasks(db: Database, input: { projectId: string; includeArchived: boolean }): Promise<Board> {
  await getProject(db, input.projectId);
  // Read before the tasks, never after: a change made between the two is then replayed rather than missed.
  const cursor = await latestTaskEventId(db, input.projectId);
  const hasDescription = sql<boolean>`${tasks.description} <> ''`;
  const rows = await db
    .select({ ...boardColumns, hasDescription })
    .from(tasks)
    .where(and(eq(tasks.projectId, input.projectId), input.includeArchived ? undefined : eq(tasks.archived, false)))
    .orderBy(asc(tasks.status), asc(tasks.position), asc(tasks.id))
    .limit(BOARD_LIMIT + 1);
  const truncated = rows.length > BOARD_LIMIT;
  const kept = truncated ? rows.slice(0, BOARD_LIMIT) : rows;
  const ids = kept.map((r) => r.id);
  const [src, code] = ids.length
    ? await Promise.all([
        db
          .select({ taskId: taskSources.taskId, sourceId: taskSources.sourceId, title: sources.title })
          .from(taskSources)
          .innerJoin(sources, eq(sources.id, taskSources.sourceId))
          .innerJoin(tasks, eq(tasks.id, taskSources.taskId))
          .where(eq(tasks.projectId, input.projectId)),
        db
          .select({ taskId: taskCodeExamples.taskId, codeExampleId: taskCodeExamples.codeExampleId })
          .from(taskCodeExamples)
          .innerJoin(tasks, eq(tasks.id, taskCodeExamples.taskId))
          .where(eq(tasks.projectId, input.projectId)),
      ])
    : [[], []];
  const sourceIds = new Map<string, string[]>();
  const codeIds = new Map<string, number[]>();
  for (const s of src) (sourceIds.get(s.taskId) ?? sourceIds.set(s.taskId, []).get(s.taskId)!).push(s.sourceId);
  for (const c of code) (codeIds.get(c.taskId) ?? codeIds.set(c.taskId, []).get(c.taskId)!).push(c.codeExampleId);
  const titles = new Map(src.map((s) => [s.sourceId, s.title]));
  return {
    cursor: String(cursor),
    tasks: kept.map((r) => ({ ...r, sourceIds: sourceIds.get(r.id) ?? [], codeExampleIds: codeIds.get(r.id) ?? [] })),
    sources: [...titles].map(([id, title]) => ({ id, title })).sort((a, b) => a.title.localeCompare(b.title)),
    truncated,
  };
}

/** What a task links to, with enough to show each link: a source's title and URL, a code example's language, name and first lines. */
export async function taskLinks(db: Database, id: string) {
  const [task] = await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.id, id));
  if (!task) throw notFound('Task', id);
  const [linkedSources, linkedCode] = await Promise.all([
    db
      .select({ id: sources.id, title: sources.title, url: sources.url, kind: sources.kind })
      .from(taskSources)
      .innerJoin(sources, eq(sources.id, taskSources.sourceId))
      .where(eq(taskSources.taskId, id))
      .orderBy(asc(sources.title), asc(sources.id)),
    db
      .select({
        id: codeExamples.id,
        sourceId: codeExamples.sourceId,
        sourceTitle: sources.title,
        language: codeExamples.language,
        name: codeExamples.name,
        summary: codeExamples.summary,
        preview: sql<string>`left(${codeExamples.code}, 400)`,
      })
      .from(taskCodeExamples)
      .innerJoin(codeExamples, eq(codeExamples.id, taskCodeExamples.codeExampleId))
      .innerJoin(sources, eq(sources.id, codeExamples.sourceId))
      .where(eq(taskCodeExamples.taskId, id))
      .orderBy(asc(codeExamples.id)),
  ]);
  return { sources: linkedSources, codeExamples: linkedCode };
}

/** The fields a history entry compares; position is left out (a move says where in words: its column). */
const TRACKED = ['title', 'description', 'status', 'assignee', 'priority', 'feature', 'archived', 'sourceIds', 'codeExampleIds', 'parentId'] as const;
export type TrackedField = (typeof TRACKED)[number];

export type HistoryEntry = {
  id: number;
  at: Date;
  kind: 'created' | 'updated' | 'moved' | 'archived' | 'unarchived' | 'deleted';
  /** Set when the entry is about one of the task's subtasks rather than the task itself. */
  subtask: { id: string; title: string } | null;
  /** What changed, before and after; an empty list for a change that touched nothing tracked (a move within a column). */
  changes: { field: TrackedField; from: unknown; to: unknown }[];
};

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
type Snapshot = Record<string, unknown>;

/** The most events one history read goes through; a task with more shows its newest ones. */
const HISTORY_SCAN = 2_000;

/**
 * A task's change history, newest first, from the task events: each entry
 * says what changed (field, before, after), worked out by comparing the rows
 * the events carry with the same task's previous event. Its subtasks' events
 * are included, marked as such. Pages go back with `before` (an entry id).
 */
export async function taskHistory(db: Database, input: { id: string; limit: number; before?: number }) {
  const [task] = await db.select({ id: tasks.id, projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, input.id));
  if (!task) throw notFound('Task', input.id);
  // A subtask's events carry its row, with its parent, but its deletion carries only its id: that one is found by the
  // subtask's earlier events.
  const about = or(
    eq(taskEvents.taskId, input.id),
    sql`${taskEvents.payload}->'task'->>'parentId' = ${input.id}`,
    and(
      eq(taskEvents.kind, 'deleted'),
      sql`${taskEvents.taskId} in (select e.task_id from task_events e
        where e.project_id = ${task.projectId} and e.payload->'task'->>'parentId' = ${input.id})`,
    ),
  );
  const events = (
    await db
      .select()
      .from(taskEvents)
      .where(and(eq(taskEvents.projectId, task.projectId), about, ne(taskEvents.kind, 'reordered')))
      .orderBy(desc(taskEvents.id))
      .limit(HISTORY_SCAN)
  ).reverse();
  const last = new Map<string, Snapshot>();
  const entries: HistoryEntry[] = [];
  for (const e of events) {
    const now = (e.payload.task as Snapshot | undefined) ?? null;
    const prev = last.get(e.taskId) ?? null;
    // An event without the links (an archive, an unarchive) leaves them as they were: the next change compares with those.
    if (now) last.set(e.taskId, prev ? { ...prev, ...now } : now);
    const changes: HistoryEntry['changes'] = [];
    if (now && prev && e.kind !== 'created') {
      for (const field of TRACKED) {
        // Archive events carry rows without links: a link list missing from either side is not a change.
        if (!(field in now) || !(field in prev)) continue;
        if (!sameValue(prev[field], now[field])) changes.push({ field, from: prev[field] ?? null, to: now[field] ?? null });
      }
    }
    const title = (now?.title as string | undefined) ?? (prev?.title as string | undefined) ?? 'A subtask';
    const subtask = e.taskId === input.id ? null : { id: e.taskId, title };
    entries.push({ id: e.id, at: e.createdAt, kind: e.kind as HistoryEntry['kind'], subtask, changes });
  }
  entries.reverse();
  const from = input.before === undefined ? 0 : entries.findIndex((x) => x.id < input.before!);
  const page = from < 0 ? [] : entries.slice(from, from + input.limit);
  const more = from >= 0 && entries.length > from + input.limit;
  return { entries: page, nextBefore: more ? page.at(-1)!.id : null };
}
