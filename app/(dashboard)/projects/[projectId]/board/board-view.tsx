'use client';

import {
  type Announcements,
  type CollisionDetection,
  closestCorners,
  DndContext,
  type DragEndEvent,
  type DragOverEvent,
  DragOverlay,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  KeyboardSensor,
  MeasuringStrategy,
  PointerSensor,
  pointerWithin,
  type UniqueIdentifier,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import { arrayMove, sortableKeyboardCoordinates } from '@dnd-kit/sortable';
import { SearchX } from 'lucide-react';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { useSession } from '../../../../_lib/session';
import { type BoardTask, STATUS, STATUSES, type TaskStatus } from '../../task-meta';
import { DeleteTaskDialog } from '../delete-task-dialog';
import { useLiveTasks, useTaskActions, useTasksView } from '../live-tasks';
import { TaskEditorLoader, useOpenTask } from '../open-task';
import { ProjectGone } from '../project-gone';
import { isFiltered, TaskFiltersBar, taskMatcher, useTaskFilters } from '../task-filters';
import { placeOf } from '../tasks-store';
import { Card } from './board-card';
import { BoardSkeleton, COLUMN_PREFIX, Column, type ColumnItem, type Creating, isColumnId, NONE_CREATING, sameItem } from './board-column';
import { CardMenu } from './card-menu';

type Columns = Record<TaskStatus, string[]>;

function findColumn(columns: Columns, id: UniqueIdentifier): TaskStatus | undefined {
  if (isColumnId(id)) return String(id).slice(COLUMN_PREFIX.length) as TaskStatus;
  return STATUSES.find((s) => columns[s].includes(String(id)));
}

/** Pointer first (what is under the cursor), then the closest corners; keyboard moves use the closest corners. */
const collision: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const within = pointerWithin(args);
    const cards = within.filter((c) => !isColumnId(c.id));
    if (cards.length) return cards;
    if (within.length) {
      // Over a column's empty space: the nearest card in it, or the column itself.
      const column = within[0]!.id;
      const inColumn = args.droppableContainers.filter((c) => c.data.current?.sortable?.containerId === String(column).slice(COLUMN_PREFIX.length));
      const near = closestCorners({ ...args, droppableContainers: inColumn });
      return near.length ? near : within;
    }
  }
  return closestCorners(args);
};

/**
 * The board: four columns, cards dragged within and across them by mouse or
 * keyboard (Space picks up, arrows move, Space drops, Escape cancels; the
 * live region says where the card is). A drop shows at once and is sent as
 * tasks.move with the version the card had; if the server refuses, the card
 * goes back to where the server has it, with a message. While a card is
 * dragged, other people's changes wait and are applied on drop.
 */
export function BoardView() {
  const { store, load, reload } = useLiveTasks();
  const view = useTasksView();
  const { can } = useSession();
  const canWrite = can('write');
  const { filters } = useTaskFilters();
  const { move } = useTaskActions();
  const openTask = useOpenTask();
  const dndId = useId();
  const [dragging, setDragging] = useState<{ id: string; from: TaskStatus; index: number; version: number } | null>(null);
  const [dragColumns, setDragColumns] = useState<Columns | null>(null);
  const columnsRef = useRef<Columns | null>(null);
  const [deleting, setDeleting] = useState<BoardTask | null>(null);

  const matches = useMemo(() => taskMatcher(filters), [filters]);
  const filtered = isFiltered(filters);
  const previousColumns = useRef<Columns | null>(null);
  const shownColumns = useMemo(() => {
    const out = {} as Columns;
    for (const s of STATUSES) {
      const ids = view.columns[s].filter(matches).map((t) => t.id);
      const old = previousColumns.current?.[s];
      // A column whose cards did not change keeps its array: dnd-kit's context, and so every card of the column, renders again on a new one.
      out[s] = old && old.length === ids.length && old.every((id, i) => id === ids[i]) ? old : ids;
    }
    previousColumns.current = out;
    return out;
  }, [view, matches]);
  const columns = dragColumns ?? shownColumns;
  const previousItems = useRef<Partial<Record<TaskStatus, ColumnItem[]>>>({});
  const columnItems = useMemo(() => {
    const out = {} as Record<TaskStatus, ColumnItem[]>;
    for (const s of STATUSES) {
      const items = columns[s].map((id): ColumnItem => {
        const task = view.byId.get(id);
        if (!task) return null;
        const p = view.progress.get(id);
        const sources = task.sourceIds.map((x) => store.sourceTitles.get(x) ?? x).join(', ');
        return { task, done: p?.done ?? 0, total: p?.total ?? 0, sources };
      });
      const old = previousItems.current[s];
      out[s] = old && old.length === items.length && old.every((o, i) => sameItem(o, items[i]!)) ? old : items;
    }
    previousItems.current = out;
    return out;
  }, [columns, view, store]);
  const creatingIn = useMemo(() => {
    const out = {} as Record<TaskStatus, Creating>;
    for (const s of STATUSES) {
      const list = view.creating.filter((c) => c.status === s && !c.parentId);
      out[s] = list.length ? list : NONE_CREATING;
    }
    return out;
  }, [view.creating]);
  const topLevel = useMemo(() => STATUSES.flatMap((s) => view.columns[s]), [view]);
  const shownCount = STATUSES.reduce((n, s) => n + shownColumns[s].length, 0);

  // Left and Right go to another column. dnd-kit counts a card as "to the right" when its left edge is right of the
  // dragged one's, and the tilted overlay's box starts a pixel left of its own column: Right moved the top card down.
  const coordinateGetter: KeyboardCoordinateGetter = useCallback((event, args) => {
    const cols = columnsRef.current;
    const col = cols && args.context.active ? findColumn(cols, args.context.active.id) : undefined;
    if (!cols || !col || (event.code !== 'ArrowLeft' && event.code !== 'ArrowRight')) return sortableKeyboardCoordinates(event, args);
    const all = args.context.droppableContainers;
    const elsewhere = (id: UniqueIdentifier) => findColumn(cols, id) !== col;
    // Only get and getEnabled are read from the map.
    const droppableContainers = Object.assign(Object.create(all) as typeof all, {
      get: (id: UniqueIdentifier | null | undefined) => all.get(id),
      getEnabled: () => all.getEnabled().filter((c) => elsewhere(c.id)),
    });
    return sortableKeyboardCoordinates(event, { ...args, context: { ...args.context, droppableContainers } });
  }, []);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter }));

  const titleOf = useCallback((id: UniqueIdentifier) => view.byId.get(String(id))?.title ?? 'the task', [view]);
  const where = useCallback((activeId: UniqueIdentifier, overId: UniqueIdentifier | undefined) => {
    const cols = columnsRef.current;
    if (!cols || overId == null) return '';
    const col = findColumn(cols, overId);
    if (!col) return '';
    const list = cols[col];
    const position = isColumnId(overId)
      ? list.includes(String(activeId))
        ? list.indexOf(String(activeId)) + 1
        : list.length + 1
      : list.indexOf(String(overId)) + 1;
    const total = list.includes(String(activeId)) ? list.length : list.length + 1;
    return `${STATUS[col].label}, position ${position} of ${total}`;
  }, []);

  // After the drop, columnsRef holds the final arrangement: the card's own place in it (the card it was over has moved aside).
  const placed = useCallback((activeId: UniqueIdentifier) => {
    const cols = columnsRef.current;
    const col = cols && findColumn(cols, activeId);
    if (!cols || !col) return '';
    return `${STATUS[col].label}, position ${cols[col].indexOf(String(activeId)) + 1} of ${cols[col].length}`;
  }, []);

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart: ({ active }) => `Picked up “${titleOf(active.id)}”, in ${where(active.id, active.id)}.`,
      onDragOver: ({ active, over }) =>
        over ? `“${titleOf(active.id)}” is over ${where(active.id, over.id)}.` : `“${titleOf(active.id)}” is not over a column.`,
      onDragEnd: ({ active, over }) => (over ? `Dropped “${titleOf(active.id)}” in ${placed(active.id)}.` : `“${titleOf(active.id)}” was put back.`),
      onDragCancel: ({ active }) => `Moving “${titleOf(active.id)}” was cancelled; it is back where it was.`,
    }),
    [titleOf, where, placed],
  );

  const onDragStart = ({ active }: DragStartEvent) => {
    // Other people's changes wait until the drop: nothing moves under the card being dragged.
    store.hold();
    const start = { ...shownColumns };
    columnsRef.current = start;
    setDragColumns(start);
    const id = String(active.id);
    const from = findColumn(start, id)!;
    setDragging({ id, from, index: start[from].indexOf(id), version: view.byId.get(id)?.version ?? 0 });
  };

  const onDragOver = ({ active, over }: DragOverEvent) => {
    const cols = columnsRef.current;
    if (!over || !cols) return;
    const from = findColumn(cols, active.id);
    const to = findColumn(cols, over.id);
    if (!from || !to || from === to) return;
    const target = cols[to];
    let index = target.length;
    if (!isColumnId(over.id)) {
      const overIndex = target.indexOf(String(over.id));
      const translated = active.rect.current.translated;
      const below = translated && translated.top > over.rect.top + over.rect.height / 2;
      index = overIndex < 0 ? target.length : overIndex + (below ? 1 : 0);
    }
    const next = {
      ...cols,
      [from]: cols[from].filter((x) => x !== active.id),
      [to]: [...target.slice(0, index), String(active.id), ...target.slice(index)],
    };
    columnsRef.current = next;
    setDragColumns(next);
  };

  // columnsRef keeps the last arrangement: the drop's announcement is made after onDragEnd and reads it.
  const finish = () => {
    setDragging(null);
    setDragColumns(null);
    store.release();
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const cols = columnsRef.current;
    const started = dragging;
    if (!cols || !started || !over) return finish();
    const id = String(active.id);
    const col = findColumn(cols, id);
    if (!col) return finish();
    let list = cols[col];
    if (!isColumnId(over.id) && findColumn(cols, over.id) === col) {
      const from = list.indexOf(id);
      const to = list.indexOf(String(over.id));
      if (from !== to) list = arrayMove(list, from, to);
    }
    columnsRef.current = { ...cols, [col]: list };
    const task = store.serverTask(id);
    const unchanged = col === started.from && list.indexOf(id) === started.index;
    if (task && !unchanged) {
      // The optimistic move is in the store before the held events are let through, so the card never jumps back.
      void move(task, { status: col, ...placeOf(list, id) }, started.version);
    }
    finish();
  };

  // A drag can outlive its card (deleted meanwhile and let through by a reload): end it cleanly.
  useEffect(() => () => store.release(), [store]);

  const onMenu = useCallback((task: BoardTask) => <CardMenu task={task} onOpen={openTask} onDelete={setDeleting} />, [openTask]);

  if (load.status === 'loading') return <BoardSkeleton />;
  if (load.status === 'error') return <ErrorState error={load.error} onRetry={reload} />;
  if (load.status === 'gone') return <ProjectGone />;

  const active = dragging ? view.byId.get(dragging.id) : undefined;
  const activeProgress = active ? view.progress.get(active.id) : undefined;
  return (
    <>
      <TaskFiltersBar tasks={topLevel} shown={shownCount} total={topLevel.length} />
      {load.truncated && (
        <p className="mb-3 text-sm text-warning-text">This project has more tasks than the board shows at once; filter to find the others.</p>
      )}
      {filtered && shownCount === 0 ? (
        <EmptyState icon={SearchX} title="No task matches the filters" description="Change or clear the filters above to see the other tasks." />
      ) : (
        <DndContext
          id={dndId}
          sensors={canWrite ? sensors : []}
          collisionDetection={collision}
          measuring={{ droppable: { strategy: MeasuringStrategy.WhileDragging } }}
          accessibility={{
            announcements,
            screenReaderInstructions: {
              draggable:
                'To move a task, press Space or Enter on its handle. Use the arrow keys to move it within a column or to another column, Space or Enter to drop it, and Escape to cancel.',
            },
          }}
          onDragStart={onDragStart}
          onDragOver={onDragOver}
          onDragEnd={onDragEnd}
          onDragCancel={finish}
        >
          <div
            className="grid grid-cols-1 gap-3 md:grid-cols-2 xl:h-[calc(100dvh-20rem)] xl:min-h-[28rem] xl:grid-cols-4"
            data-testid="board"
            data-dragging={dragging ? 'true' : undefined}
          >
            {STATUSES.map((s) => (
              <Column
                key={s}
                status={s}
                ids={columns[s]}
                items={columnItems[s]}
                creating={creatingIn[s]}
                canWrite={canWrite}
                onOpen={openTask}
                onMenu={onMenu}
                filtered={filtered}
                activeId={dragging?.id ?? null}
              />
            ))}
          </div>
          <DragOverlay dropAnimation={null}>
            {active ? (
              <Card
                task={active}
                done={activeProgress?.done ?? 0}
                total={activeProgress?.total ?? 0}
                sources={active.sourceIds.map((s) => store.sourceTitles.get(s) ?? s).join(', ')}
                canWrite={false}
                overlay
                onOpen={() => {}}
              />
            ) : null}
          </DragOverlay>
        </DndContext>
      )}
      <DeleteTaskDialog task={deleting} subtasks={deleting ? (view.subtasks.get(deleting.id)?.length ?? 0) : 0} onClose={() => setDeleting(null)} />
      <TaskEditorLoader />
    </>
  );
}
