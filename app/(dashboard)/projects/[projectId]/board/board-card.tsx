'use client';

import { useSortable } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { BookOpen, CircleCheckBig, GripVertical } from 'lucide-react';
import { memo } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { cn } from '../../../../_lib/cn';
import { AssigneeMark, type BoardTask, PRIORITY } from '../../task-meta';

export const Card = memo(function Card({
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
export const SortableCard = memo(function SortableCard({
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
