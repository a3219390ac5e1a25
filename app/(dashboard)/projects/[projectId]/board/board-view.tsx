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
  KeyboardSensor,
  MeasuringStrategy,
  PointerSensor,
  pointerWithin,
  type UniqueIdentifier,
  useDroppable,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import { Archive, BookOpen, CircleCheckBig, GripVertical, MoreHorizontal, Plus, SearchX, Trash2 } from 'lucide-react';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../../_components/ui/dropdown-menu';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Input } from '../../../../_components/ui/input';
import { Skeleton } from '../../../../_components/ui/skeleton';
import { Spinner } from '../../../../_components/ui/spinner';
import { cn } from '../../../../_lib/cn';
import { useSession } from '../../../../_lib/session';
import { AssigneeMark, type BoardTask, PRIORITY, STATUS, STATUSES, type TaskStatus } from '../../task-meta';
import { DeleteTaskDialog } from '../delete-task-dialog';
import { useLiveTasks, useTaskActions, useTasksView } from '../live-tasks';
import { TaskEditorLoader, useOpenTask } from '../open-task';
import { isFiltered, TaskFiltersBar, taskMatcher, useTaskFilters } from '../task-filters';
import { placeOf } from '../tasks-store';

type Columns = Record<TaskStatus, string[]>;
/** A first guess at a card's height with the gap below it; each card is measured once shown. */
const CARD_ESTIMATE = 84;
const COLUMN_PREFIX = 'column:';
const columnId = (s: TaskStatus) => `${COLUMN_PREFIX}${s}`;
const isColumnId = (id: UniqueIdentifier): id is `column:${TaskStatus}` => String(id).startsWith(COLUMN_PREFIX);

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

const Card = memo(function Card({
  task,
  done,
  total,
  sources,
  canWrite,
  overlay = false,
  onOpen,
  onMenu,
}: {
  task: BoardTask;
  done: number;
  total: number;
  sources: string;
  canWrite: boolean;
  overlay?: boolean;
  onOpen: (id: string) => void;
  onMenu?: (task: BoardTask) => React.ReactNode;
}) {
  const priority = PRIORITY[task.priority];
  const PriorityIcon = priority.icon;
  const titleId = `card-title-${task.id}`;
  return (
    <article
      aria-labelledby={titleId}
      className={cn(
        'group/card relative rounded-lg border border-border bg-surface px-3 pb-2.5 pt-2.5 shadow-xs transition-[border-color,box-shadow] hover:border-input',
        overlay && 'rotate-1 border-input shadow-lg',
        task.archived && 'opacity-70',
      )}
    >
      <div className="flex items-start gap-1.5">
        <h3 id={titleId} className="min-w-0 flex-1 text-sm font-medium leading-5">
          <a
            href={`?task=${task.id}`}
            // A link drags as a URL by default, which would take the pointer from the card's drag.
            draggable={false}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
              e.preventDefault();
              onOpen(task.id);
            }}
            className="focus-ring line-clamp-3 break-words rounded-sm hover:underline hover:decoration-muted-foreground/50 hover:underline-offset-2"
            data-testid="card-title"
          >
            {task.title}
          </a>
        </h3>
        {canWrite && onMenu && (
          // Over the title's end, so titles use the card's width; shown (with a background) only on hover, focus or while open.
          <div className="absolute right-1.5 top-1.5 rounded-md bg-surface opacity-0 focus-within:opacity-100 group-hover/card:opacity-100 has-[[data-state=open]]:opacity-100">
            {onMenu(task)}
          </div>
        )}
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
        {task.priority !== 'medium' && (
          <span className={cn('inline-flex items-center gap-0.5', priority.text)} title={`Priority: ${priority.label}`}>
            <PriorityIcon aria-hidden className="size-3.5" />
            {priority.label}
          </span>
        )}
        {task.feature && (
          <Badge variant="outline" className="max-w-40" title={`Feature: ${task.feature}`}>
            <span className="truncate">{task.feature}</span>
          </Badge>
        )}
        {total > 0 && (
          <span className={cn('inline-flex items-center gap-1 tabular-nums', done === total && 'text-success-text')} data-testid="card-subtasks">
            <CircleCheckBig aria-hidden className="size-3.5" />
            {done}/{total}
            <span className="sr-only">subtasks done</span>
          </span>
        )}
        {sources && (
          <span className="inline-flex min-w-0 items-center gap-1" title={`Sources: ${sources}`} data-testid="card-sources">
            <BookOpen aria-hidden className="size-3.5 shrink-0" />
            <span className="max-w-32 truncate">{sources}</span>
          </span>
        )}
        {task.archived && <Badge variant="warning">Archived</Badge>}
        <span className="ml-auto inline-flex min-w-0 items-center gap-1.5" data-testid="card-assignee">
          <span className="max-w-28 truncate">{task.assignee}</span>
          <AssigneeMark name={task.assignee} />
        </span>
      </div>
    </article>
  );
});

// One element for every handle: the cards of a column render again when its order changes, and the icon need not.
const GRIP = <GripVertical aria-hidden className="size-3.5" />;

// Memoised: a change to one task re-renders its card, not the 500 others (the drag context still reaches all while dragging).
const SortableCard = memo(function SortableCard({
  task,
  done,
  total,
  sources,
  canWrite,
  onOpen,
  onMenu,
  index,
  measure,
}: {
  task: BoardTask;
  done: number;
  total: number;
  sources: string;
  canWrite: boolean;
  onOpen: (id: string) => void;
  onMenu: (task: BoardTask) => React.ReactNode;
  index: number;
  measure: (el: Element | null) => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id: task.id,
    disabled: !canWrite || task.archived,
  });
  const draggable = canWrite && !task.archived;
  return (
    <li
      ref={(el) => {
        setNodeRef(el);
        measure(el);
      }}
      data-index={index}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      // shrink-0: the list is a flex column, which would squeeze rows (and the virtualiser's spacers) to fit its height.
      className={cn('relative shrink-0 pb-2', isDragging && 'z-10')}
      data-testid="task-card"
      data-task-id={task.id}
      data-status={task.status}
      // The whole card starts a mouse drag; a click without movement still opens the task (activation distance).
      onPointerDown={draggable ? (listeners?.onPointerDown as React.PointerEventHandler | undefined) : undefined}
    >
      {draggable && (
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          onKeyDown={listeners?.onKeyDown as React.KeyboardEventHandler | undefined}
          aria-label={`Move “${task.title}”`}
          className="focus-ring absolute -left-2.5 top-2 z-10 grid h-6 w-4 cursor-grab place-items-center rounded-sm bg-surface text-muted-foreground opacity-0 shadow-xs ring-1 ring-border transition-opacity hover:text-foreground focus-visible:opacity-100 group-hover/column:opacity-60 hover:!opacity-100"
          data-testid="drag-handle"
        >
          {GRIP}
        </button>
      )}
      <div className={cn(isDragging && 'opacity-0')}>
        <Card task={task} done={done} total={total} sources={sources} canWrite={canWrite} onOpen={onOpen} onMenu={onMenu} />
      </div>
      {isDragging && (
        <div aria-hidden className="absolute inset-x-0 bottom-2 top-0 rounded-lg border-2 border-dashed border-accent/50 bg-accent-subtle/40" />
      )}
    </li>
  );
});

function QuickAdd({ status, inputRef, onDone }: { status: TaskStatus; inputRef: React.RefObject<HTMLInputElement | null>; onDone: () => void }) {
  const { create } = useTaskActions();
  const [title, setTitle] = useState('');
  return (
    <form
      className="px-1"
      onSubmit={(e) => {
        e.preventDefault();
        const t = title.trim();
        if (!t) return;
        setTitle('');
        void create({ title: t, status });
      }}
    >
      <Input
        ref={inputRef}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
        onBlur={() => !title.trim() && onDone()}
        maxLength={500}
        placeholder="Task title, then Enter"
        aria-label={`New task in ${STATUS[status].label}`}
        data-testid={`quick-add-${status}`}
        autoFocus
      />
    </form>
  );
}

/** A card as its column shows it; null for an id the store no longer has. */
type ColumnItem = { task: BoardTask; done: number; total: number; sources: string } | null;
type Creating = ReturnType<typeof useTasksView>['creating'];
const NONE_CREATING: Creating = [];

const sameItem = (a: ColumnItem, b: ColumnItem) =>
  a === b || (a !== null && b !== null && a.task === b.task && a.done === b.done && a.total === b.total && a.sources === b.sources);

// Memoised, with props that keep their identity while the column's cards are unchanged: another person's move
// renders the two columns it touches, not all four.
const Column = memo(function Column({
  status,
  ids,
  items: cards,
  creating,
  canWrite,
  onOpen,
  onMenu,
  filtered,
  activeId,
}: {
  status: TaskStatus;
  ids: string[];
  /** The cards of `ids`, index for index. */
  items: ColumnItem[];
  creating: Creating;
  canWrite: boolean;
  onOpen: (id: string) => void;
  onMenu: (task: BoardTask) => React.ReactNode;
  filtered: boolean;
  activeId: string | null;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: columnId(status), data: { column: status } });
  const listRef = useRef<HTMLUListElement | null>(null);
  const [adding, setAdding] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const meta = STATUS[status];
  const Icon = meta.icon;
  const headingId = `column-${status}`;
  const activeIndex = activeId ? ids.indexOf(activeId) : -1;
  // Only the cards in view (and a few around) are in the DOM: a column of hundreds costs what a screenful does.
  // The card being dragged stays mounted wherever the column is scrolled.
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => CARD_ESTIMATE,
    overscan: 4,
    getItemKey: (i) => ids[i]!,
    rangeExtractor: (range) => {
      const indexes = defaultRangeExtractor(range);
      if (activeIndex >= 0 && !indexes.includes(activeIndex)) return [...indexes, activeIndex].sort((a, b) => a - b);
      return indexes;
    },
  });
  const items = virtualizer.getVirtualItems();
  const rows: React.ReactNode[] = [];
  let offset = 0;
  for (const item of items) {
    if (item.start > offset) rows.push(<li key={`gap-${item.index}`} aria-hidden className="shrink-0" style={{ height: item.start - offset }} />);
    const card = cards[item.index];
    offset = item.end;
    if (!card) continue;
    rows.push(
      <SortableCard
        key={card.task.id}
        task={card.task}
        done={card.done}
        total={card.total}
        sources={card.sources}
        canWrite={canWrite}
        onOpen={onOpen}
        onMenu={onMenu}
        index={item.index}
        measure={virtualizer.measureElement}
      />,
    );
  }
  const rest = virtualizer.getTotalSize() - offset;
  if (rest > 0 && items.length > 0) rows.push(<li key="gap-end" aria-hidden className="shrink-0" style={{ height: rest }} />);
  return (
    <section
      aria-labelledby={headingId}
      className={cn(
        'group/column flex min-h-0 min-w-0 flex-col rounded-xl bg-muted/50 ring-1 ring-border/60 transition-colors max-xl:max-h-[36rem]',
        isOver && 'bg-accent-subtle/40 ring-accent/30',
      )}
      data-testid={`column-${status}`}
    >
      <header className="flex h-10 shrink-0 items-center gap-2 px-3">
        <Icon aria-hidden className={cn('size-4', meta.text)} />
        <h2 id={headingId} className="text-sm font-semibold">
          {meta.label}
        </h2>
        <span className="text-sm tabular-nums text-muted-foreground" data-testid="column-count">
          {ids.length}
        </span>
        {canWrite && (
          <Button
            variant="ghost"
            size="icon-sm"
            className="ml-auto text-muted-foreground"
            aria-label={`Add a task to ${meta.label}`}
            onClick={() => (adding ? inputRef.current?.focus() : setAdding(true))}
            data-testid={`add-task-${status}`}
          >
            <Plus aria-hidden />
          </Button>
        )}
      </header>
      <SortableContext id={status} items={ids} strategy={verticalListSortingStrategy}>
        <ul
          ref={(el) => {
            setNodeRef(el);
            listRef.current = el;
          }}
          aria-label={`${meta.label} tasks`}
          className="flex min-h-24 flex-1 flex-col overflow-y-auto overscroll-contain px-2 pl-3"
          data-testid={`column-list-${status}`}
        >
          {rows}
          {creating.map((c) => (
            <li key={c.tempId} className="shrink-0 pb-2">
              <div className="flex items-center gap-2 rounded-lg border border-dashed border-border bg-surface/60 px-3 py-2.5 text-sm text-muted-foreground">
                <Spinner /> {c.title}
              </div>
            </li>
          ))}
          {ids.length === 0 && creating.length === 0 && !adding && (
            <li
              className={cn(
                'mb-2 grid shrink-0 place-items-center rounded-lg border border-dashed border-border px-3 py-6 text-center text-xs text-muted-foreground',
                // An empty column is a drop zone its whole height; a filtered one just says so.
                !filtered && 'flex-1',
              )}
            >
              {filtered ? 'No task here matches' : canWrite ? 'Drop a task here' : 'No tasks'}
            </li>
          )}
        </ul>
      </SortableContext>
      {canWrite && (
        <div className="shrink-0 px-2 pb-2">
          {adding ? (
            <QuickAdd status={status} inputRef={inputRef} onDone={() => setAdding(false)} />
          ) : (
            <Button variant="ghost" size="sm" className="w-full justify-start text-muted-foreground" onClick={() => setAdding(true)}>
              <Plus aria-hidden /> Add task
            </Button>
          )}
        </div>
      )}
    </section>
  );
});

function BoardSkeleton() {
  return (
    <div role="status" className="grid grid-cols-1 gap-3 md:grid-cols-2 xl:grid-cols-4">
      <span className="sr-only">Loading the board</span>
      {STATUSES.map((s, i) => (
        <div key={s} className="grid content-start gap-2 rounded-xl bg-muted/50 p-3 ring-1 ring-border/60">
          <Skeleton className="mb-2 h-4 w-20" />
          {Array.from({ length: 4 - i }, (_, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
            <Skeleton key={j} className="h-20 w-full rounded-lg" />
          ))}
        </div>
      ))}
    </div>
  );
}

/** The card's menu: open, move to another column (the way to move without dragging), archive or unarchive, delete. */
function CardMenu({ task, onOpen, onDelete }: { task: BoardTask; onOpen: (id: string) => void; onDelete: (t: BoardTask) => void }) {
  // A board of hundreds of cards would mount hundreds of menus: until first used, the trigger is a plain button.
  const [open, setOpen] = useState<boolean | null>(null);
  const trigger = (
    <Button
      variant="ghost"
      size="icon-sm"
      aria-label={`Actions for “${task.title}”`}
      aria-haspopup="menu"
      aria-expanded={open === true}
      className="size-6 text-muted-foreground opacity-0 focus-visible:opacity-100 group-hover/card:opacity-100 data-[state=open]:opacity-100"
      data-testid="card-menu"
      onClick={open === null ? () => setOpen(true) : undefined}
    >
      <MoreHorizontal aria-hidden className="size-4" />
    </Button>
  );
  if (open === null) return trigger;
  return <CardMenuContent task={task} open={open} onOpenChange={setOpen} trigger={trigger} onOpen={onOpen} onDelete={onDelete} />;
}

function CardMenuContent({
  task,
  open,
  onOpenChange,
  trigger,
  onOpen,
  onDelete,
}: {
  task: BoardTask;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  trigger: React.ReactNode;
  onOpen: (id: string) => void;
  onDelete: (t: BoardTask) => void;
}) {
  const { move, archive, unarchive } = useTaskActions();
  const { displayName } = useSession();
  return (
    <DropdownMenu open={open} onOpenChange={onOpenChange}>
      <DropdownMenuTrigger asChild>{trigger}</DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-52">
        <DropdownMenuItem onSelect={() => onOpen(task.id)}>Open</DropdownMenuItem>
        {!task.archived && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuLabel>Move to</DropdownMenuLabel>
            {STATUSES.filter((s) => s !== task.status).map((s) => {
              const Icon = STATUS[s].icon;
              return (
                <DropdownMenuItem key={s} onSelect={() => void move(task, { status: s })} data-testid={`move-to-${s}`}>
                  <Icon className={STATUS[s].text} /> {STATUS[s].label}
                </DropdownMenuItem>
              );
            })}
          </>
        )}
        <DropdownMenuSeparator />
        {task.archived ? (
          <DropdownMenuItem onSelect={() => void unarchive(task)}>
            <Archive /> Unarchive
          </DropdownMenuItem>
        ) : (
          <DropdownMenuItem onSelect={() => void archive(task, displayName)}>
            <Archive /> Archive
          </DropdownMenuItem>
        )}
        <DropdownMenuItem variant="destructive" onSelect={() => onDelete(task)}>
          <Trash2 /> Delete…
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

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

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

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
