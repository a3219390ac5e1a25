import { describe, expect, it } from 'vitest';
import { placeOf, TasksStore, toBoardTask } from '../../app/(dashboard)/projects/[projectId]/tasks-store';
import type { BoardTask } from '../../app/(dashboard)/projects/task-meta';

/** The rules of the board's live store: events in order, optimistic changes on top, and a hold during a drag. */

const base = {
  projectId: 'p',
  parentId: null,
  assignee: 'User',
  priority: 'medium',
  feature: null,
  archived: false,
  archivedAt: null,
  archivedBy: null,
};
let clock = 0;
function task(id: string, status: BoardTask['status'], position: number, extra: Partial<BoardTask> = {}): BoardTask {
  return {
    ...base,
    id,
    title: id.toUpperCase(),
    status,
    position,
    version: 1,
    createdAt: new Date(0),
    updatedAt: new Date(++clock),
    hasDescription: false,
    sourceIds: [],
    codeExampleIds: [],
    ...extra,
  } as BoardTask;
}
const load = (tasks: BoardTask[], cursor = '10', includeArchived = false) => {
  const store = new TasksStore();
  store.load({ cursor, tasks, sources: [] }, includeArchived);
  return store;
};
const ids = (store: TasksStore, status: BoardTask['status']) => store.getView().columns[status].map((t) => t.id);
const event = (id: number, kind: string, row: Partial<BoardTask> & { id: string }, extra: Record<string, unknown> = {}) => ({
  id,
  taskId: row.id,
  kind,
  payload: { task: { description: '', ...row }, ...extra },
});

describe('TasksStore', () => {
  it('orders columns by position and applies events after the cursor, once', () => {
    const store = load([task('a', 'todo', 2048), task('b', 'todo', 1024), task('c', 'doing', 0)]);
    expect(ids(store, 'todo')).toEqual(['b', 'a']);
    store.receive(event(11, 'moved', { ...task('a', 'doing', -1024), version: 2 }));
    expect(ids(store, 'todo')).toEqual(['b']);
    expect(ids(store, 'doing')).toEqual(['a', 'c']);
    // An event at or before the cursor (replayed after a resume or read with the snapshot) changes nothing.
    store.receive(event(11, 'moved', { ...task('a', 'done', 0), version: 3 }));
    store.receive(event(9, 'deleted', { id: 'c' }));
    expect(ids(store, 'doing')).toEqual(['a', 'c']);
  });

  it('converges when the snapshot already holds changes the stream replays', () => {
    // The snapshot was read after events 11 and 12: c is at version 3 already.
    const store = load([task('a', 'todo', 1024), task('b', 'todo', 2048), task('c', 'todo', 1536, { version: 3 })]);
    // 11: the column was renumbered; 12: c moved between a and b (version 3). Both are replayed.
    store.receive({
      id: 11,
      taskId: 'c',
      kind: 'reordered',
      payload: {
        status: 'todo',
        order: [
          { id: 'a', position: 1024 },
          { id: 'c', position: 3072 },
          { id: 'b', position: 2048 },
        ],
      },
    });
    expect(ids(store, 'todo')).toEqual(['a', 'b', 'c']);
    store.receive(event(12, 'moved', { ...task('c', 'todo', 1536), version: 3 }));
    expect(ids(store, 'todo')).toEqual(['a', 'c', 'b']);
    // An older version than the one held is ignored (a mutation's answer that arrives after a newer event).
    expect(store.upsert({ ...task('c', 'done', 0), version: 2 })).toBe(false);
    expect(store.getView().byId.get('c')!.status).toBe('todo');
  });

  it('keeps links and knows descriptions from the rows events carry', () => {
    const store = load([task('a', 'todo', 0, { sourceIds: ['s1'], codeExampleIds: [7] })]);
    // Archive events carry rows without their links.
    const { sourceIds: _s, codeExampleIds: _c, ...row } = task('a', 'todo', 0, { version: 2, archived: true });
    store.receive({ id: 11, taskId: 'a', kind: 'archived', payload: { task: { ...row, description: 'words' } } });
    const a = store.serverTask('a')!;
    expect(a).toMatchObject({ archived: true, sourceIds: ['s1'], codeExampleIds: [7], hasDescription: true });
    expect(a).not.toHaveProperty('description');
    expect(ids(store, 'todo')).toEqual([]);
    const all = load([a], '11', true);
    expect(ids(all, 'todo')).toEqual(['a']);
    expect(toBoardTask({ ...row, createdAt: '2024-01-01T00:00:00Z' }).createdAt).toBeInstanceOf(Date);
  });

  it('shows a move next to its anchor until settled, then the server state', () => {
    const store = load([task('a', 'todo', 1024), task('b', 'todo', 2048), task('c', 'doing', 1024)]);
    const token = store.move('c', { status: 'todo', afterId: 'a' });
    expect(ids(store, 'todo')).toEqual(['a', 'c', 'b']);
    expect(ids(store, 'doing')).toEqual([]);
    // The anchor moves elsewhere meanwhile: the card follows it.
    store.receive(event(11, 'moved', { ...task('a', 'todo', 4096), version: 2 }));
    expect(ids(store, 'todo')).toEqual(['b', 'a', 'c']);
    // Refused: nothing of the move stays.
    store.settle(token);
    expect(ids(store, 'todo')).toEqual(['b', 'a']);
    expect(ids(store, 'doing')).toEqual(['c']);
    // A move before the first card, and one into an empty column.
    store.move('c', { status: 'todo', beforeId: 'b' });
    expect(ids(store, 'todo')).toEqual(['c', 'b', 'a']);
    store.move('a', { status: 'review' });
    expect(ids(store, 'review')).toEqual(['a']);
  });

  it('buffers events while held and applies them on release', () => {
    const store = load([task('a', 'todo', 1024), task('b', 'todo', 2048)]);
    const before = store.getView();
    store.hold();
    store.receive(event(11, 'created', task('n', 'todo', 3072)));
    store.receive({ id: 12, taskId: 'b', kind: 'deleted', payload: { id: 'b' } });
    expect(store.getView()).toBe(before);
    expect(store.buffered).toBe(2);
    // A drop made before release: the move is on screen before the held events land.
    store.move('a', { status: 'doing' });
    store.release();
    expect(store.buffered).toBe(0);
    expect(ids(store, 'todo')).toEqual(['n']);
    expect(ids(store, 'doing')).toEqual(['a']);
  });

  it('hides, edits and creates optimistically, and counts subtasks', () => {
    const store = load([task('a', 'todo', 0), task('s1', 'todo', 10, { parentId: 'a' }), task('s2', 'done', 5, { parentId: 'a' })]);
    expect(store.getView().progress.get('a')).toEqual({ done: 1, total: 2 });
    expect(
      store
        .getView()
        .subtasks.get('a')!
        .map((t) => t.id),
    ).toEqual(['s1', 's2']);
    expect(ids(store, 'todo')).toEqual(['a']);
    const hidden = store.hide('a');
    expect(ids(store, 'todo')).toEqual([]);
    store.settle(hidden);
    const edit = store.edit('a', { priority: 'high' });
    expect(store.getView().byId.get('a')!.priority).toBe('high');
    store.settle(edit);
    expect(store.getView().byId.get('a')!.priority).toBe('medium');
    const { token } = store.create({ title: 'New', status: 'todo', parentId: null });
    expect(store.getView().creating).toHaveLength(1);
    store.settle(token);
    expect(store.getView().creating).toHaveLength(0);
  });
});

describe('placeOf', () => {
  it('names the card above, or the one below for the first, or nothing in an empty column', () => {
    expect(placeOf(['a', 'x', 'b'], 'x')).toEqual({ afterId: 'a', beforeId: null });
    expect(placeOf(['x', 'a'], 'x')).toEqual({ afterId: null, beforeId: 'a' });
    expect(placeOf(['x'], 'x')).toEqual({ afterId: null, beforeId: null });
  });
});
