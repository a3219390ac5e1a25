'use client';

import { closestCenter, DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useSensor, useSensors } from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useQuery } from '@tanstack/react-query';
import {
  Archive,
  ArchiveRestore,
  BookOpen,
  Code2,
  GripVertical,
  History,
  Link2,
  ListChecks,
  MoreHorizontal,
  Pencil,
  Plus,
  Search,
  Trash2,
  X,
} from 'lucide-react';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { toast } from 'sonner';
import { MarkdownView } from '../../../_components/markdown-view';
import { Alert } from '../../../_components/ui/alert';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
import { Checkbox } from '../../../_components/ui/checkbox';
import { CopyButton } from '../../../_components/ui/copy-button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../_components/ui/dropdown-menu';
import { ErrorState } from '../../../_components/ui/error-state';
import { IconButton } from '../../../_components/ui/icon-button';
import { Input } from '../../../_components/ui/input';
import { MarkdownEditor } from '../../../_components/ui/markdown-editor';
import { Panel, PanelContent, PanelDescription, PanelTitle } from '../../../_components/ui/panel';
import { Popover, PopoverContent, PopoverTrigger } from '../../../_components/ui/popover';
import { formatDateTime, RelativeTime } from '../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { Skeleton, SkeletonText } from '../../../_components/ui/skeleton';
import { Spinner } from '../../../_components/ui/spinner';
import { cn } from '../../../_lib/cn';
import { describeError } from '../../../_lib/errors';
import { useSession } from '../../../_lib/session';
import { type RouterOutputs, useTRPC, useTRPCClient } from '../../../_lib/trpc';
import { useUrlState } from '../../knowledge/url-state';
import { AssigneeMark, type BoardTask, PRIORITIES, PRIORITY, STATUS, STATUSES, type TaskPriority, type TaskStatus } from '../task-meta';
import { DeleteTaskDialog } from './delete-task-dialog';
import { type UpdateFields, useLiveTasks, useTaskActions, useTasksView } from './live-tasks';
import { useOpenTask } from './open-task';
import { SuggestInput } from './suggest-input';
import { useTaskVocabulary } from './task-filters';
import { toBoardTask } from './tasks-store';

type Links = RouterOutputs['tasks']['links'];
type HistoryPage = RouterOutputs['tasks']['history'];
type Entry = HistoryPage['entries'][number];

function Section({
  icon: Icon,
  title,
  count,
  action,
  children,
}: {
  icon: typeof BookOpen;
  title: string;
  count?: number;
  action?: React.ReactNode;
  children: React.ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="grid gap-2.5">
      <div className="flex items-center gap-2">
        <Icon aria-hidden className="size-4 text-muted-foreground" />
        <h3 id={id} className="text-sm font-semibold">
          {title}
        </h3>
        {count !== undefined && count > 0 && <span className="text-sm tabular-nums text-muted-foreground">{count}</span>}
        <div className="ml-auto">{action}</div>
      </div>
      {children}
    </section>
  );
}

/** A property row: label on the left, control on the right, as in Linear's side panel. */
function Property({ label, htmlFor, children }: { label: string; htmlFor?: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[7rem_minmax(0,20rem)] items-center gap-3">
      <label htmlFor={htmlFor} className="text-sm text-muted-foreground">
        {label}
      </label>
      <div className="min-w-0">{children}</div>
    </div>
  );
}

const describeValue = (field: string, v: unknown) =>
  field === 'status'
    ? STATUS[v as TaskStatus]?.label
    : field === 'priority'
      ? PRIORITY[v as TaskPriority]?.label
      : v == null || v === ''
        ? 'none'
        : String(v);

function changeText(entry: Entry): string[] {
  const lines: string[] = [];
  for (const c of entry.changes) {
    switch (c.field) {
      case 'title':
        lines.push(`Renamed from “${c.from}” to “${c.to}”`);
        break;
      case 'description':
        lines.push(c.to ? (c.from ? 'Edited the description' : 'Added a description') : 'Removed the description');
        break;
      case 'status':
        lines.push(
          entry.subtask
            ? c.to === 'done'
              ? 'Checked off'
              : c.from === 'done'
                ? 'Reopened'
                : `Moved to ${describeValue('status', c.to)}`
            : `Moved from ${describeValue('status', c.from)} to ${describeValue('status', c.to)}`,
        );
        break;
      case 'assignee':
        lines.push(`Assigned to ${c.to} (was ${c.from})`);
        break;
      case 'priority':
        lines.push(`Priority ${describeValue('priority', c.to)} (was ${describeValue('priority', c.from)})`);
        break;
      case 'feature':
        lines.push(c.to ? `Feature “${c.to}”${c.from ? ` (was “${c.from}”)` : ''}` : `Feature removed (was “${c.from}”)`);
        break;
      case 'archived':
        lines.push(c.to ? 'Archived' : 'Unarchived');
        break;
      case 'sourceIds':
      case 'codeExampleIds': {
        const from = (c.from as unknown[]) ?? [];
        const to = (c.to as unknown[]) ?? [];
        const added = to.filter((x) => !from.includes(x)).length;
        const removed = from.filter((x) => !to.includes(x)).length;
        const noun = c.field === 'sourceIds' ? 'source' : 'code example';
        const parts = [
          added && `linked ${added} ${noun}${added > 1 ? 's' : ''}`,
          removed && `unlinked ${removed} ${noun}${removed > 1 ? 's' : ''}`,
        ].filter(Boolean);
        lines.push(parts.join(', ').replace(/^./, (x) => x.toUpperCase()));
        break;
      }
      case 'parentId':
        lines.push('Moved under another task');
        break;
    }
  }
  if (lines.length === 0) {
    if (entry.kind === 'created') lines.push(entry.subtask ? 'Added' : 'Created');
    else if (entry.kind === 'moved') lines.push('Reordered');
    else if (entry.kind === 'archived') lines.push('Archived');
    else if (entry.kind === 'unarchived') lines.push('Unarchived');
    else lines.push('Changed');
  }
  return lines;
}

function HistoryList({ taskId, signature }: { taskId: string; signature: string }) {
  const trpc = useTRPC();
  const history = useQuery({ ...trpc.tasks.history.queryOptions({ id: taskId, limit: 50 }), staleTime: 0 });
  const { refetch } = history;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the signature changes when the task or a subtask does
  useEffect(() => {
    void refetch();
  }, [signature, refetch]);
  if (history.isPending) return <SkeletonText lines={3} />;
  if (history.isError) return <ErrorState compact error={history.error} onRetry={() => history.refetch()} />;
  return (
    <ol className="relative grid gap-3 border-l border-border pl-4" data-testid="task-history">
      {history.data.entries.map((e) => (
        <li key={e.id} className="relative text-sm">
          <span aria-hidden className="absolute -left-[21px] top-1.5 size-2 rounded-full bg-border ring-2 ring-surface" />
          <div className="flex flex-wrap items-baseline gap-x-2">
            {e.subtask && <span className="font-medium">Subtask “{e.subtask.title}”:</span>}
            <span>{changeText(e).join('; ')}</span>
            <span className="text-xs text-muted-foreground">
              <RelativeTime date={e.at} />
            </span>
          </div>
        </li>
      ))}
      {history.data.nextBefore && <li className="text-xs text-muted-foreground">Older changes are not shown.</li>}
    </ol>
  );
}

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

function Subtasks({ parent, canWrite }: { parent: BoardTask; canWrite: boolean }) {
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

/** Search-as-you-type for something to link, in a popover: sources by title, code examples by search. */
function LinkPicker<T extends { id: string | number }>({
  label,
  placeholder,
  useResults,
  render,
  onPick,
  linked,
  testId,
}: {
  label: string;
  placeholder: string;
  useResults: (query: string) => { data: T[] | undefined; isFetching: boolean; error: unknown };
  render: (item: T) => React.ReactNode;
  onPick: (item: T) => void;
  linked: (item: T) => boolean;
  testId: string;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);
  const results = useResults(open ? query : '');
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button size="sm" variant="ghost" data-testid={testId}>
          <Link2 aria-hidden /> {label}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-96 p-2">
        <div className="relative">
          <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={placeholder}
            aria-label={placeholder}
            className="pl-8"
            autoFocus
          />
        </div>
        <div className="mt-2 max-h-72 overflow-y-auto" aria-live="polite" data-testid={`${testId}-results`}>
          {results.error ? (
            <p className="px-2 py-1.5 text-sm text-destructive-text">{describeError(results.error).message}</p>
          ) : results.data === undefined ? (
            <p className="flex items-center gap-2 px-2 py-1.5 text-sm text-muted-foreground">
              {results.isFetching ? <Spinner /> : null} Type to search
            </p>
          ) : results.data.length === 0 ? (
            <p className="px-2 py-1.5 text-sm text-muted-foreground">Nothing found{query ? ` for “${query}”` : ''}.</p>
          ) : (
            <ul className="grid gap-0.5">
              {results.data.map((item) => (
                <li key={item.id}>
                  <button
                    type="button"
                    disabled={linked(item)}
                    onClick={() => {
                      onPick(item);
                      setOpen(false);
                      setText('');
                    }}
                    className="focus-ring w-full rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted disabled:opacity-50"
                  >
                    {render(item)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </PopoverContent>
    </Popover>
  );
}

function useSourceResults(query: string) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.knowledge.sources.queryOptions({ limit: 8, ...(query ? { query } : {}) }), staleTime: 10_000 });
  return { data: q.data?.items, isFetching: q.isFetching, error: q.error };
}

function useCodeResults(query: string) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.knowledge.searchCode.queryOptions({ query, limit: 8 }), enabled: query.length > 1, staleTime: 10_000 });
  return { data: query.length > 1 ? q.data?.results : undefined, isFetching: q.isFetching, error: q.error };
}

function LinksSection({ task, canWrite }: { task: BoardTask; canWrite: boolean }) {
  const trpc = useTRPC();
  const { update } = useTaskActions();
  const { store } = useLiveTasks();
  const links = useQuery(trpc.tasks.links.queryOptions({ id: task.id }));
  const { refetch } = links;
  const signature = `${task.sourceIds.join(',')}|${task.codeExampleIds.join(',')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the links change, here or elsewhere
  useEffect(() => {
    void refetch();
  }, [signature, refetch]);

  const setLinks = async (fields: Pick<UpdateFields, 'sourceIds' | 'codeExampleIds'>, message: string) => {
    const r = await update(task, fields);
    // Read the links again once saved: the read the optimistic change started may have reached the server first.
    void refetch();
    if (r.ok) toast.success(message);
    else if (r.conflict)
      toast.error('Changed meanwhile', {
        description: 'Someone changed this task at the same time; its links are shown as the server has them now. Try again.',
      });
  };

  const data: Links | undefined = links.data;
  return (
    <>
      <Section
        icon={BookOpen}
        title="Knowledge sources"
        count={task.sourceIds.length}
        action={
          canWrite && (
            <LinkPicker
              label="Link a source"
              placeholder="Search sources by title or URL"
              testId="link-source"
              useResults={useSourceResults}
              linked={(s) => task.sourceIds.includes(s.id)}
              render={(s) => (
                <span className="grid">
                  <span className="truncate font-medium">{s.title}</span>
                  <span className="truncate font-mono text-xs text-muted-foreground">{s.url ?? 'Uploaded files'}</span>
                </span>
              )}
              onPick={(s) => {
                store.sourceTitles.set(s.id, s.title);
                void setLinks({ sourceIds: [...task.sourceIds, s.id] }, `Linked “${s.title}”`);
              }}
            />
          )
        }
      >
        {task.sourceIds.length === 0 ? (
          <p className="text-sm text-muted-foreground">No sources linked.</p>
        ) : !data ? (
          <Skeleton className="h-8 w-full" />
        ) : (
          <ul className="flex flex-wrap gap-1.5" data-testid="linked-sources">
            {data.sources.map((s) => (
              <li
                key={s.id}
                className="inline-flex max-w-full items-center gap-1 rounded-md border border-border bg-muted/60 py-0.5 pl-2 pr-0.5 text-sm"
              >
                <a href={`/knowledge/sources/${encodeURIComponent(s.id)}`} className="focus-ring truncate rounded-sm hover:underline">
                  {s.title}
                </a>
                {canWrite && (
                  <IconButton
                    icon={X}
                    size="icon-sm"
                    className="size-5"
                    tooltip={false}
                    label={`Unlink “${s.title}”`}
                    onClick={() => void setLinks({ sourceIds: task.sourceIds.filter((x) => x !== s.id) }, `Unlinked “${s.title}”`)}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        icon={Code2}
        title="Code examples"
        count={task.codeExampleIds.length}
        action={
          canWrite && (
            <LinkPicker
              label="Link code"
              placeholder="Search code examples"
              testId="link-code"
              useResults={useCodeResults}
              linked={(c) => task.codeExampleIds.includes(c.id)}
              render={(c) => (
                <span className="grid gap-0.5">
                  <span className="flex items-center gap-1.5">
                    {c.language && <Badge variant="neutral">{c.language}</Badge>}
                    <span className="truncate font-medium">{c.name || c.summary || 'Code example'}</span>
                  </span>
                  <span className="truncate font-mono text-xs text-muted-foreground">{c.code.split('\n')[0]}</span>
                  <span className="truncate text-xs text-muted-foreground">{c.sourceTitle}</span>
                </span>
              )}
              onPick={(c) => void setLinks({ codeExampleIds: [...task.codeExampleIds, c.id] }, 'Linked the code example')}
            />
          )
        }
      >
        {task.codeExampleIds.length === 0 ? (
          <p className="text-sm text-muted-foreground">No code examples linked.</p>
        ) : !data ? (
          <Skeleton className="h-16 w-full" />
        ) : (
          <ul className="grid gap-2" data-testid="linked-code">
            {data.codeExamples.map((c) => (
              <li key={c.id} className="overflow-hidden rounded-lg border border-border">
                <div className="flex items-center gap-2 border-b border-border bg-muted/50 px-2.5 py-1.5 text-sm">
                  {c.language && <Badge variant="neutral">{c.language}</Badge>}
                  <span className="min-w-0 flex-1 truncate font-medium">{c.name || c.summary || 'Code example'}</span>
                  <span className="truncate text-xs text-muted-foreground">{c.sourceTitle}</span>
                  {canWrite && (
                    <IconButton
                      icon={X}
                      size="icon-sm"
                      className="size-6"
                      tooltip={false}
                      label={`Unlink ${c.name || 'the code example'}`}
                      onClick={() => void setLinks({ codeExampleIds: task.codeExampleIds.filter((x) => x !== c.id) }, 'Unlinked the code example')}
                    />
                  )}
                </div>
                <pre className="max-h-28 overflow-hidden px-3 py-2 font-mono text-xs leading-5">
                  <code>{c.preview}</code>
                </pre>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

type DescriptionConflict = { theirs: string; version: number };

function Description({ task, description, canWrite }: { task: BoardTask; description: string | undefined; canWrite: boolean }) {
  const client = useTRPCClient();
  const { update } = useTaskActions();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [base, setBase] = useState<{ text: string; version: number } | null>(null);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<DescriptionConflict | null>(null);

  const start = () => {
    setDraft(description ?? '');
    setBase({ text: description ?? '', version: task.version });
    setConflict(null);
    setEditing(true);
  };

  const save = useCallback(
    async (expectedVersion?: number) => {
      if (!base) return;
      setSaving(true);
      try {
        let r = await update(task, { description: draft }, { expectedVersion: expectedVersion ?? base.version, quiet: true });
        if (!r.ok && r.conflict) {
          // A change to another field (a move, an assignee) is no reason to refuse this one: if the description is as it was, save on the new version.
          const fresh = await client.tasks.byId.query({ id: task.id });
          if (fresh.description === base.text && expectedVersion === undefined)
            r = await update(toBoardTask(fresh), { description: draft }, { expectedVersion: fresh.version, quiet: true });
          else {
            setConflict({ theirs: fresh.description, version: fresh.version });
            return;
          }
        }
        if (r.ok) {
          setEditing(false);
          setConflict(null);
          toast.success('Description saved');
        } else if (!r.ok) setConflict(null);
      } catch (err) {
        setConflict(null);
        toast.error('Could not save the description', { description: describeError(err).message });
      } finally {
        setSaving(false);
      }
    },
    [base, client, draft, task, update],
  );

  if (editing)
    return (
      <div className="grid gap-2">
        {conflict && (
          <Alert variant="warning" title="Someone else changed the description while you were editing" data-testid="description-conflict">
            <p>Their version is below; yours is still in the editor. Save yours over theirs, or take theirs.</p>
            <div className="markdown mt-2 max-h-48 overflow-y-auto rounded-md border border-border bg-surface p-3 text-foreground">
              {conflict.theirs ? <MarkdownView markdown={conflict.theirs} /> : <p className="text-muted-foreground">(empty)</p>}
            </div>
            <div className="mt-2 flex gap-2">
              <Button size="sm" variant="primary" loading={saving} onClick={() => void save(conflict.version)}>
                Save mine over theirs
              </Button>
              <Button
                size="sm"
                onClick={() => {
                  setConflict(null);
                  setEditing(false);
                }}
              >
                Use theirs
              </Button>
            </div>
          </Alert>
        )}
        <MarkdownEditor
          label="Description (Markdown)"
          value={draft}
          onChange={setDraft}
          placeholder="What needs doing, and how to tell it is done. Markdown works."
          autoFocus
          onSave={() => void save()}
        />
        <div className="flex items-center justify-end gap-2">
          <span className="mr-auto text-xs text-muted-foreground">Markdown; Ctrl+Enter saves.</span>
          <Button size="sm" variant="ghost" onClick={() => setEditing(false)} disabled={saving}>
            Cancel
          </Button>
          <Button size="sm" variant="primary" loading={saving} onClick={() => void save()} data-testid="save-description">
            Save
          </Button>
        </div>
      </div>
    );

  if (description === undefined) return <SkeletonText lines={3} />;
  return (
    <div className="group/desc relative">
      {description ? (
        <div className="markdown text-base" data-testid="task-description">
          <MarkdownView markdown={description} />
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">{canWrite ? 'No description yet.' : 'No description.'}</p>
      )}
      {canWrite && (
        <Button size="sm" variant="ghost" className="mt-2" onClick={start} data-testid="edit-description">
          <Pencil aria-hidden /> {description ? 'Edit description' : 'Write a description'}
        </Button>
      )}
    </div>
  );
}

type FieldConflict = { fields: UpdateFields; summary: string };

function EditorBody({ taskId, onClose }: { taskId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const view = useTasksView();
  const { can, displayName } = useSession();
  const canWrite = can('write');
  const { update, archive, unarchive } = useTaskActions();
  const open = useOpenTask();
  const full = useQuery({ ...trpc.tasks.byId.queryOptions({ id: taskId }), staleTime: 0 });
  const live = view.byId.get(taskId);
  const task: BoardTask | undefined = live ?? (full.data ? toBoardTask(full.data) : undefined);
  const [conflict, setConflict] = useState<FieldConflict | null>(null);
  const [deleting, setDeleting] = useState(false);
  const vocabulary = useTaskVocabulary(view.byId.values());
  const baseId = useId();
  const { refetch } = full;

  // The description is not in the board's store: read it again when the task changes elsewhere.
  useEffect(() => {
    if (live && full.data && live.version !== full.data.version) void refetch();
  }, [live, full.data, refetch]);

  const subtasks = view.subtasks.get(taskId) ?? [];
  const signature = `${task?.version}:${subtasks.map((s) => `${s.id}.${s.version}`).join(',')}`;
  const parent = task?.parentId ? view.byId.get(task.parentId) : undefined;

  if (!task) {
    if (full.isError)
      return (
        <div className="p-6">
          <PanelTitle className="sr-only">Task not found</PanelTitle>
          <ErrorState error={full.error} title={describeError(full.error).code === 'NOT_FOUND' ? 'This task no longer exists' : undefined} />
        </div>
      );
    return (
      <div className="grid gap-4 p-6" role="status">
        <PanelTitle className="sr-only">Loading the task</PanelTitle>
        <Skeleton className="h-6 w-2/3" />
        <SkeletonText lines={4} />
      </div>
    );
  }

  const save = async (fields: UpdateFields, summary: string) => {
    setConflict(null);
    const r = await update(task, fields, { quiet: false });
    if (!r.ok && r.conflict) setConflict({ fields, summary });
  };

  const Status = STATUS[task.status];
  return (
    <>
      <header className="flex shrink-0 items-center gap-2 border-b border-border px-5 py-3 pr-14 text-sm text-muted-foreground">
        {parent ? (
          <button type="button" className="focus-ring truncate rounded-sm hover:text-foreground hover:underline" onClick={() => open(parent.id)}>
            {parent.title}
          </button>
        ) : (
          <span className="inline-flex items-center gap-1.5">
            <Status.icon aria-hidden className={cn('size-4', Status.text)} />
            {Status.label}
          </span>
        )}
        <span aria-hidden>·</span>
        <span className="font-mono text-xs">{task.id.slice(0, 8)}</span>
        {task.archived && <Badge variant="warning">Archived</Badge>}
        <div className="ml-auto flex items-center gap-1">
          <CopyButton
            value={typeof window === 'undefined' ? '' : `${window.location.origin}${window.location.pathname}?task=${task.id}`}
            label="Copy link to this task"
          />
          {canWrite && (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <IconButton icon={MoreHorizontal} label="Task actions" tooltip={false} size="icon-sm" data-testid="editor-menu" />
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                {task.archived ? (
                  <DropdownMenuItem onSelect={() => void unarchive(task)}>
                    <ArchiveRestore /> Unarchive
                  </DropdownMenuItem>
                ) : (
                  <DropdownMenuItem onSelect={() => void archive(task, displayName)} data-testid="archive-task">
                    <Archive /> Archive
                  </DropdownMenuItem>
                )}
                <DropdownMenuSeparator />
                <DropdownMenuItem variant="destructive" onSelect={() => setDeleting(true)} data-testid="delete-task">
                  <Trash2 /> Delete…
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          )}
        </div>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto">
        <div className="grid gap-6 px-6 py-5">
          <TitleField task={task} canWrite={canWrite} onSave={(title) => void save({ title }, `Title: “${title}”`)} />
          {conflict && (
            <Alert variant="warning" title="Someone else changed this task at the same time" data-testid="field-conflict">
              <p>Your change ({conflict.summary}) was not saved. The task is shown as the server has it now.</p>
              <div className="mt-2 flex gap-2">
                <Button size="sm" variant="primary" onClick={() => void save(conflict.fields, conflict.summary)}>
                  Apply my change again
                </Button>
                <Button size="sm" onClick={() => setConflict(null)}>
                  Keep theirs
                </Button>
              </div>
            </Alert>
          )}
          <div className="grid gap-2.5 rounded-lg border border-border bg-muted/30 p-3.5">
            <Property label="Status" htmlFor={`${baseId}-status`}>
              <Select
                value={task.status}
                onValueChange={(v) => void save({ status: v as TaskStatus }, `Status: ${STATUS[v as TaskStatus].label}`)}
                disabled={!canWrite}
              >
                <SelectTrigger id={`${baseId}-status`} className="w-48" data-testid="editor-status">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {STATUSES.map((s) => {
                    const I = STATUS[s].icon;
                    return (
                      <SelectItem key={s} value={s}>
                        <span className="inline-flex items-center gap-2">
                          <I aria-hidden className={cn('size-4', STATUS[s].text)} /> {STATUS[s].label}
                        </span>
                      </SelectItem>
                    );
                  })}
                </SelectContent>
              </Select>
            </Property>
            <Property label="Priority" htmlFor={`${baseId}-priority`}>
              <Select
                value={task.priority}
                onValueChange={(v) => void save({ priority: v as TaskPriority }, `Priority: ${PRIORITY[v as TaskPriority].label}`)}
                disabled={!canWrite}
              >
                <SelectTrigger id={`${baseId}-priority`} className="w-48" data-testid="editor-priority">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {PRIORITIES.map((p) => {
                    const I = PRIORITY[p].icon;
                    return (
                      <SelectItem key={p} value={p}>
                        <span className="inline-flex items-center gap-2">
                          <I aria-hidden className={cn('size-4', PRIORITY[p].text)} /> {PRIORITY[p].label}
                        </span>
                      </SelectItem>
                    );
                  })}
                </SelectContent>
              </Select>
            </Property>
            <Property label="Assignee" htmlFor={`${baseId}-assignee`}>
              <div className="flex items-center gap-2">
                <AssigneeMark name={task.assignee} />
                <SuggestInput
                  id={`${baseId}-assignee`}
                  value={task.assignee}
                  suggestions={vocabulary.assignees}
                  onSave={(assignee) => void save({ assignee }, `Assignee: ${assignee}`)}
                  testId="editor-assignee"
                  disabled={!canWrite}
                />
              </div>
            </Property>
            <Property label="Feature" htmlFor={`${baseId}-feature`}>
              <SuggestInput
                id={`${baseId}-feature`}
                value={task.feature ?? ''}
                suggestions={vocabulary.features}
                allowEmpty
                placeholder="None"
                onSave={(feature) => void save({ feature: feature || null }, feature ? `Feature: ${feature}` : 'No feature')}
                testId="editor-feature"
                disabled={!canWrite}
              />
            </Property>
            <Property label="Updated">
              <span className="text-sm" title={formatDateTime(task.updatedAt)}>
                <RelativeTime date={task.updatedAt} /> <span className="text-muted-foreground">· version {task.version}</span>
              </span>
            </Property>
          </div>
          <Section icon={Pencil} title="Description">
            <Description task={task} description={full.data?.description} canWrite={canWrite} />
          </Section>
          {!task.parentId && <Subtasks parent={task} canWrite={canWrite} />}
          <LinksSection task={task} canWrite={canWrite} />
          <Section icon={History} title="History">
            <HistoryList taskId={task.id} signature={signature} />
          </Section>
        </div>
      </div>
      <DeleteTaskDialog
        task={deleting ? task : null}
        subtasks={subtasks.length}
        onClose={() => setDeleting(false)}
        onDeleted={() => {
          setDeleting(false);
          onClose();
        }}
      />
    </>
  );
}

function TitleField({ task, canWrite, onSave }: { task: BoardTask; canWrite: boolean; onSave: (title: string) => void }) {
  const [text, setText] = useState(task.title);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setText(task.title), [task.title]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);
  if (!canWrite)
    return (
      <PanelTitle className="text-xl" data-testid="editor-title">
        {task.title}
      </PanelTitle>
    );
  const commit = () => {
    const t = text.replace(/\s+/g, ' ').trim();
    if (!t || t === task.title) return setText(task.title);
    onSave(t);
  };
  return (
    <div>
      <PanelTitle className="sr-only">{task.title}</PanelTitle>
      <textarea
        ref={ref}
        rows={1}
        value={text}
        aria-label="Title"
        maxLength={500}
        onChange={(e) => setText(e.target.value.replace(/\n/g, ' '))}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
            (e.target as HTMLTextAreaElement).blur();
          } else if (e.key === 'Escape' && text !== task.title) {
            e.stopPropagation();
            setText(task.title);
          }
        }}
        className="focus-ring -mx-1.5 w-[calc(100%+0.75rem)] resize-none overflow-hidden rounded-md bg-transparent px-1.5 py-0.5 text-xl font-semibold leading-7 tracking-tight hover:bg-muted/60 focus:bg-muted/60"
        data-testid="editor-title"
      />
    </div>
  );
}

/**
 * The task editor, beside the board or the table: title, status, priority,
 * assignee and feature saved as they change (a change made meanwhile by
 * someone else is shown, with a way to apply one's own again), the
 * description in Markdown with a preview, subtasks, links to knowledge, and
 * the task's history. Opened by `?task=<id>`.
 */
export function TaskEditor() {
  const { params } = useUrlState();
  const taskId = params.get('task');
  const openTask = useOpenTask();
  const valid = taskId && /^[0-9a-f-]{36}$/i.test(taskId);
  const panelRef = useRef<HTMLDivElement>(null);
  return (
    <Panel open={Boolean(valid)} onOpenChange={(o) => !o && openTask(null)}>
      <PanelContent
        data-testid="task-editor"
        closeLabel="Close the task"
        // Focus the panel itself, not its first button (which would pop a tooltip): Tab goes on from there.
        ref={panelRef}
        onOpenAutoFocus={(e) => {
          e.preventDefault();
          panelRef.current?.focus();
        }}
      >
        <PanelDescription className="sr-only">Edit the task; changes are saved as you make them.</PanelDescription>
        {valid && <EditorBody key={taskId} taskId={taskId} onClose={() => openTask(null)} />}
      </PanelContent>
    </Panel>
  );
}
