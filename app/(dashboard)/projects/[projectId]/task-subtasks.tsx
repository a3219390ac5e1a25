'use client';

import { closestCenter, DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useSensor, useSensors } from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { GripVertical, ListChecks, Plus, X } from 'lucide-react';
import { useId, useState } from 'react';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
import { Checkbox } from '../../../_components/ui/checkbox';
import { IconButton } from '../../../_components/ui/icon-button';
import { Input } from '../../../_components/ui/input';
import { Spinner } from '../../../_components/ui/spinner';
import { cn } from '../../../_lib/cn';
import { type BoardTask, STATUS } from '../task-meta';
import { useTaskActions, useTasksView } from './live-tasks';
import { useOpenTask } from './open-task';
import { Section } from './task-section';

/** The same-status neighbour a subtask lands next to after a reorder (the API places within a status column). */
function subtaskPlace(order: BoardTask[], id: string) {
  const index = order.findIndex((t) => t.id === id);
  const status = order[index]!.status;
  for (let i = index - 1; i >= 0; i--) if (order[i]!.status === status) return { afterId: order[i]!.id, beforeId: null };
  for (let i = index + 1; i < order.length; i++) if (order[i]!.status === status) return { afterId: null, beforeId: order[i]!.id };
  return { afterId: null, beforeId: null };
}

function SubtaskRow({
  sub,
  canWrite,
  onToggle,
  onOpen,
  onDelete,
}: {
  sub: BoardTask;
  canWrite: boolean;
  onToggle: () => void;
  onOpen: () => void;
  onDelete: () => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id: sub.id,
    disabled: !canWrite,
  });
  const checkboxId = `subtask-${sub.id}`;
  const done = sub.status === 'done';
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={cn(
        'group/sub flex min-h-9 items-center gap-2 rounded-md px-1.5 hover:bg-muted/60',
        isDragging && 'relative z-10 bg-surface shadow-md ring-1 ring-border',
      )}
      data-testid="subtask"
      data-subtask-id={sub.id}
    >
      {canWrite && (
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Reorder “${sub.title}”`}
          className="focus-ring grid h-6 w-4 cursor-grab place-items-center rounded-sm text-muted-foreground opacity-40 hover:opacity-100 focus-visible:opacity-100 group-hover/sub:opacity-80"
        >
          <GripVertical aria-hidden className="size-3.5" />
        </button>
      )}
      <Checkbox id={checkboxId} checked={done} disabled={!canWrite} onCheckedChange={onToggle} aria-label={`Done: ${sub.title}`} />
      <button
        type="button"
        onClick={onOpen}
        className={cn(
          'focus-ring min-w-0 flex-1 truncate rounded-sm text-left text-sm hover:underline',
          done && 'text-muted-foreground line-through',
        )}
      >
        {sub.title}
      </button>
      {sub.status !== 'todo' && sub.status !== 'done' && <Badge variant="accent">{STATUS[sub.status].label}</Badge>}
      {canWrite && (
        <IconButton
          icon={X}
          label={`Delete subtask “${sub.title}”`}
          size="icon-sm"
          tooltip={false}
          className="opacity-0 focus-visible:opacity-100 group-hover/sub:opacity-100"
          onClick={onDelete}
        />
      )}
    </li>
  );
}

export function Subtasks({ parent, canWrite }: { parent: BoardTask; canWrite: boolean }) {
  const view = useTasksView();
  const { create, update, move, remove } = useTaskActions();
  const open = useOpenTask();
  const subtasks = view.subtasks.get(parent.id) ?? [];
  const creating = view.creating.filter((c) => c.parentId === parent.id);
  const progress = view.progress.get(parent.id);
  const [title, setTitle] = useState('');
  // The live region goes inside the panel: outside it, the modal hides it from screen readers.
  const [region, setRegion] = useState<HTMLDivElement | null>(null);
  const dndId = useId();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const ids = subtasks.map((s) => s.id);
  const titleOf = (id: unknown) => subtasks.find((s) => s.id === id)?.title ?? 'the subtask';
  const positionOf = (id: unknown) => `position ${ids.indexOf(String(id)) + 1} of ${ids.length}`;

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const order = arrayMove(subtasks, ids.indexOf(String(active.id)), ids.indexOf(String(over.id)));
    const sub = subtasks.find((s) => s.id === active.id)!;
    void move(sub, { status: sub.status, ...subtaskPlace(order, sub.id) });
  };

  return (
    <Section
      icon={ListChecks}
      title="Subtasks"
      action={
        progress &&
        progress.total > 0 && <span className="text-xs tabular-nums text-muted-foreground">{`${progress.done} of ${progress.total} done`}</span>
      }
    >
      {progress && progress.total > 0 && (
        <div aria-hidden className="h-1 overflow-hidden rounded-full bg-muted">
          <div className="h-full rounded-full bg-success transition-[width]" style={{ width: `${(progress.done / progress.total) * 100}%` }} />
        </div>
      )}
      <DndContext
        id={dndId}
        sensors={canWrite ? sensors : []}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{
          container: region ?? undefined,
          announcements: {
            onDragStart: ({ active }) => `Picked up subtask “${titleOf(active.id)}”, ${positionOf(active.id)}.`,
            onDragOver: ({ active, over }) =>
              over ? `“${titleOf(active.id)}” is at ${positionOf(over.id)}.` : `“${titleOf(active.id)}” is outside the list.`,
            onDragEnd: ({ active, over }) =>
              over ? `Dropped “${titleOf(active.id)}” at ${positionOf(over.id)}.` : `“${titleOf(active.id)}” was put back.`,
            onDragCancel: ({ active }) => `Reordering “${titleOf(active.id)}” was cancelled.`,
          },
          screenReaderInstructions: {
            draggable: 'To reorder a subtask, press Space or Enter on its handle, move it with the arrow keys, and press Space or Enter to drop it.',
          },
        }}
      >
        <SortableContext items={ids} strategy={verticalListSortingStrategy}>
          <ul className="grid gap-0.5" aria-label="Subtasks" data-testid="subtasks">
            {subtasks.map((sub) => (
              <SubtaskRow
                key={sub.id}
                sub={sub}
                canWrite={canWrite}
                onToggle={() => void update(sub, { status: sub.status === 'done' ? 'todo' : 'done' })}
                onOpen={() => open(sub.id)}
                onDelete={() => void remove(sub).catch(() => {})}
              />
            ))}
            {creating.map((c) => (
              <li key={c.tempId} className="flex min-h-9 items-center gap-2 px-1.5 text-sm text-muted-foreground">
                <Spinner /> {c.title}
              </li>
            ))}
          </ul>
        </SortableContext>
      </DndContext>
      <div ref={setRegion} />
      {subtasks.length === 0 && creating.length === 0 && !canWrite && <p className="text-sm text-muted-foreground">No subtasks.</p>}
      {canWrite && (
        <form
          className="flex gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            const t = title.trim();
            if (!t) return;
            setTitle('');
            void create({ title: t, status: 'todo', parentId: parent.id });
          }}
        >
          <Input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            // Escape clears what was typed, and only then closes the editor.
            data-keeps-escape={title !== '' || undefined}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && title !== '') setTitle('');
            }}
            placeholder="Add a subtask…"
            aria-label="New subtask"
            maxLength={500}
            data-testid="new-subtask"
          />
          <Button type="submit" disabled={!title.trim()}>
            <Plus aria-hidden /> Add
          </Button>
        </form>
      )}
    </Section>
  );
}
