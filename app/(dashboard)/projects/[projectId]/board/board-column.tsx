'use client';

import { type UniqueIdentifier, useDroppable } from '@dnd-kit/core';
import { SortableContext, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import { Plus } from 'lucide-react';
import { memo, useRef, useState } from 'react';
import { Button } from '../../../../_components/ui/button';
import { Input } from '../../../../_components/ui/input';
import { Skeleton } from '../../../../_components/ui/skeleton';
import { Spinner } from '../../../../_components/ui/spinner';
import { cn } from '../../../../_lib/cn';
import { type BoardTask, STATUS, STATUSES, type TaskStatus } from '../../task-meta';
import { useTaskActions, type useTasksView } from '../live-tasks';
import { SortableCard } from './board-card';

/** A first guess at a card's height with the gap below it; each card is measured once shown. */
const CARD_ESTIMATE = 84;
export const COLUMN_PREFIX = 'column:';
export const columnId = (s: TaskStatus) => `${COLUMN_PREFIX}${s}`;
export const isColumnId = (id: UniqueIdentifier): id is `column:${TaskStatus}` => String(id).startsWith(COLUMN_PREFIX);

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
        // Refused (the toast says why): the title comes back to be tried again or copied, unless another is being typed.
        void create({ title: t, status }).then((task) => {
          if (!task) setTitle((typing) => typing || t);
        });
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
export type ColumnItem = { task: BoardTask; done: number; total: number; sources: string } | null;
export type Creating = ReturnType<typeof useTasksView>['creating'];
export const NONE_CREATING: Creating = [];

export const sameItem = (a: ColumnItem, b: ColumnItem) =>
  a === b || (a !== null && b !== null && a.task === b.task && a.done === b.done && a.total === b.total && a.sources === b.sources);

// Memoised, with props that keep their identity while the column's cards are unchanged: another person's move
// renders the two columns it touches, not all four.
export const Column = memo(function Column({
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

export function BoardSkeleton() {
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
