import type { BoardTask, TaskStatus } from '../task-meta';
import { STATUSES } from '../task-meta';

/**
 * A project's tasks as the board and the table show them, kept live without
 * refetching: a snapshot (tasks.board) and then every tasks.onChange event
 * applied in order. Plain TypeScript, no React, so the rules are tested on
 * their own (test/unit/tasks-store.test.ts).
 *
 * Three layers:
 * - the server's truth, as far as the events told it;
 * - optimistic changes of this browser (a move, field edits, a pending
 *   create) shown on top until the server answers, then dropped: on success
 *   the truth has caught up, on refusal the task shows where the server has it;
 * - a hold: while a card is being dragged, events are buffered instead of
 *   applied, so nothing moves under the pointer; they are applied on drop.
 */

export type TaskEventData = { id: number | string; taskId: string; kind: string; payload: Record<string, unknown> };
export type Place = { status: TaskStatus; afterId?: string | null; beforeId?: string | null };
export type PendingCreate = { tempId: string; status: TaskStatus; title: string; parentId: string | null };
export type Progress = { done: number; total: number };

export type View = {
  /** Changes whenever anything shown changes; React re-renders on it. */
  version: number;
  /** Top-level tasks per column, in board order, optimistic changes applied; archived ones only if the store includes them. */
  columns: Record<TaskStatus, BoardTask[]>;
  byId: ReadonlyMap<string, BoardTask>;
  /** A task's subtasks, open ones first, each group in position order. */
  subtasks: ReadonlyMap<string, BoardTask[]>;
  progress: ReadonlyMap<string, Progress>;
  creating: readonly PendingCreate[];
};

const byPosition = (a: BoardTask, b: BoardTask) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A task as the board holds it, from the whole rows events carry: the description becomes whether there is one. */
export function toBoardTask(row: Record<string, unknown>, previous?: BoardTask): BoardTask {
  const { description, ...rest } = row as Record<string, unknown> & { description?: string };
  return {
    ...(previous ?? {}),
    ...(rest as Partial<BoardTask>),
    hasDescription: typeof description === 'string' ? description !== '' : (previous?.hasDescription ?? false),
    // Archive events carry rows without their links; the links did not change.
    sourceIds: (rest.sourceIds as string[] | undefined) ?? previous?.sourceIds ?? [],
    codeExampleIds: (rest.codeExampleIds as number[] | undefined) ?? previous?.codeExampleIds ?? [],
    createdAt: new Date(rest.createdAt as string | Date),
    updatedAt: new Date(rest.updatedAt as string | Date),
    archivedAt: rest.archivedAt ? new Date(rest.archivedAt as string | Date) : null,
  } as BoardTask;
}

export class TasksStore {
  private truth = new Map<string, BoardTask>();
  private moves = new Map<string, { token: number; place: Place }>();
  private edits = new Map<string, { token: number; fields: Partial<BoardTask> }[]>();
  private gone = new Map<string, number>();
  private pendingCreates: PendingCreate[] = [];
  private held = 0;
  private buffer: TaskEventData[] = [];
  private lastEventId = 0;
  private tokens = 0;
  private listeners = new Set<() => void>();
  private version = 0;
  private cached: View | null = null;
  includeArchived = false;
  sourceTitles = new Map<string, string>();

  /** Replaces everything with a snapshot (tasks.board); events after its cursor follow. */
  load(board: { cursor: string; tasks: BoardTask[]; sources: { id: string; title: string }[] }, includeArchived: boolean) {
    this.truth = new Map(board.tasks.map((t) => [t.id, t]));
    this.lastEventId = Number(board.cursor);
    this.includeArchived = includeArchived;
    for (const s of board.sources) this.sourceTitles.set(s.id, s.title);
    this.buffer = [];
    this.changed();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private changed() {
    this.version++;
    this.cached = null;
    for (const l of this.listeners) l();
  }

  /** The server's state of a task as far as this browser knows it (no optimistic change). */
  serverTask(id: string): BoardTask | undefined {
    return this.truth.get(id);
  }

  /** An event from tasks.onChange. Applied now, or on release() while a drag holds the board. */
  receive(event: TaskEventData) {
    if (this.held > 0) {
      this.buffer.push(event);
      return;
    }
    if (this.apply(event)) this.changed();
  }

  /** Buffers events until release(): the board stays still while someone drags. Nested holds count. */
  hold() {
    this.held++;
  }

  release() {
    if (this.held === 0) return;
    this.held--;
    if (this.held > 0 || this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    let any = false;
    for (const e of events) any = this.apply(e) || any;
    if (any) this.changed();
  }

  get holding() {
    return this.held > 0;
  }

  get buffered() {
    return this.buffer.length;
  }

  private apply(event: TaskEventData): boolean {
    const id = Number(event.id);
    // A resumed stream never repeats an event, but a snapshot taken meanwhile may already hold it: see upsert.
    if (id <= this.lastEventId) return false;
    this.lastEventId = id;
    const payload = event.payload;
    switch (event.kind) {
      case 'created':
      case 'updated':
      case 'moved':
      case 'archived':
      case 'unarchived': {
        const row = payload.task as Record<string, unknown> | undefined;
        if (!row) return false;
        return this.upsert(toBoardTask(row, this.truth.get(event.taskId)));
      }
      case 'reordered': {
        // A column renumbered: positions change, versions do not.
        const order = (payload.order as { id: string; position: number }[] | undefined) ?? [];
        let any = false;
        for (const { id: taskId, position } of order) {
          const t = this.truth.get(taskId);
          if (t && t.position !== position) {
            this.truth.set(taskId, { ...t, position });
            any = true;
          }
        }
        return any;
      }
      case 'deleted':
        return this.truth.delete(event.taskId);
      default:
        return false;
    }
  }

  /**
   * The server's word on a task (an event, a mutation's answer, a fresh read).
   * An older version than the one held is ignored: answers and events can
   * cross. The same version is applied, since a renumbered column changes
   * positions without a new version. Returns whether anything changed.
   */
  upsert(task: BoardTask, opts: { notify?: boolean } = {}): boolean {
    const current = this.truth.get(task.id);
    if (current && task.version < current.version) return false;
    this.truth.set(task.id, current ? { ...current, ...task } : task);
    if (opts.notify) this.changed();
    return true;
  }

  /** The server says the task is gone (NOT_FOUND on a read). */
  forget(id: string) {
    if (this.truth.delete(id)) this.changed();
  }

  /** Shows a task at a new place until settle(token) is called. */
  move(id: string, place: Place): number {
    const token = ++this.tokens;
    this.moves.set(id, { token, place });
    this.changed();
    return token;
  }

  /** Shows field changes until settle(token). */
  edit(id: string, fields: Partial<BoardTask>): number {
    const token = ++this.tokens;
    this.edits.set(id, [...(this.edits.get(id) ?? []), { token, fields }]);
    this.changed();
    return token;
  }

  /** Hides a task (archive, delete) until settle(token). */
  hide(id: string): number {
    const token = ++this.tokens;
    this.gone.set(id, token);
    this.changed();
    return token;
  }

  /** A task being created: shown in its column with a spinner until settled. */
  create(pending: Omit<PendingCreate, 'tempId'>): { tempId: string; token: number } {
    const token = ++this.tokens;
    const tempId = `pending-${token}`;
    this.pendingCreates = [...this.pendingCreates, { ...pending, tempId }];
    this.changed();
    return { tempId, token };
  }

  /** Drops the optimistic change made under `token`; what is left is the server's state. */
  settle(token: number) {
    let any = false;
    for (const [id, m] of this.moves)
      if (m.token === token) {
        this.moves.delete(id);
        any = true;
      }
    for (const [id, list] of this.edits) {
      const kept = list.filter((e) => e.token !== token);
      if (kept.length !== list.length) {
        any = true;
        if (kept.length) this.edits.set(id, kept);
        else this.edits.delete(id);
      }
    }
    for (const [id, t] of this.gone)
      if (t === token) {
        this.gone.delete(id);
        any = true;
      }
    const before = this.pendingCreates.length;
    this.pendingCreates = this.pendingCreates.filter((p) => p.tempId !== `pending-${token}`);
    if (any || before !== this.pendingCreates.length) this.changed();
  }

  /** What the page shows now. Cached until the next change, so React sees the same object between changes. */
  getView = (): View => {
    if (this.cached) return this.cached;
    const byId = new Map<string, BoardTask>();
    for (const [id, t] of this.truth) {
      if (this.gone.has(id)) continue;
      let task = t;
      for (const e of this.edits.get(id) ?? []) task = { ...task, ...e.fields };
      const move = this.moves.get(id);
      if (move) task = { ...task, status: move.place.status };
      byId.set(id, task);
    }
    const columns = Object.fromEntries(STATUSES.map((s) => [s, [] as BoardTask[]])) as Record<TaskStatus, BoardTask[]>;
    const subtasks = new Map<string, BoardTask[]>();
    const moved: BoardTask[] = [];
    for (const t of byId.values()) {
      if (t.parentId) {
        if (t.archived) continue;
        (subtasks.get(t.parentId) ?? subtasks.set(t.parentId, []).get(t.parentId)!).push(t);
        continue;
      }
      if (t.archived && !this.includeArchived) continue;
      if (this.moves.has(t.id)) moved.push(t);
      else columns[t.status].push(t);
    }
    for (const s of STATUSES) columns[s].sort(byPosition);
    // A moved card goes next to the neighbour it was dropped by, wherever that neighbour is now.
    for (const t of moved) {
      const { place } = this.moves.get(t.id)!;
      const column = columns[place.status];
      const anchor = place.afterId ?? place.beforeId;
      const at = anchor ? column.findIndex((x) => x.id === anchor) : -1;
      if (at < 0) column.push(t);
      else column.splice(place.afterId ? at + 1 : at, 0, t);
    }
    const progress = new Map<string, Progress>();
    for (const [parentId, list] of subtasks) {
      list.sort((a, b) => Number(a.status === 'done') - Number(b.status === 'done') || byPosition(a, b));
      progress.set(parentId, { done: list.filter((t) => t.status === 'done').length, total: list.length });
    }
    this.cached = { version: this.version, columns, byId, subtasks, progress, creating: this.pendingCreates };
    return this.cached;
  };
}

/**
 * Where a card dropped at `index` of `column` (the column's ids as shown
 * after the drop, the card included) goes, in the API's words: after the card
 * above it, or before the one below when it is first; an empty column is its end.
 */
export function placeOf(column: readonly string[], id: string): { afterId: string | null; beforeId: string | null } {
  const index = column.indexOf(id);
  if (index > 0) return { afterId: column[index - 1]!, beforeId: null };
  return { afterId: null, beforeId: column[index + 1] ?? null };
}
