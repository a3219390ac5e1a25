'use client';

import { CircleCheckBig, SearchX } from 'lucide-react';
import { useMemo, useState } from 'react';
import { Alert } from '../../../../_components/ui/alert';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { RelativeTime } from '../../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { TableSkeleton } from '../../../../_components/ui/skeleton';
import { SortableHead, useSort } from '../../../../_components/ui/table';
import { VirtualTable } from '../../../../_components/ui/virtual-list';
import { cn } from '../../../../_lib/cn';
import { useSession } from '../../../../_lib/session';
import { AssigneeMark, type BoardTask, PRIORITIES, PRIORITY, STATUS, STATUSES, type TaskPriority, type TaskStatus } from '../../task-meta';
import { type UpdateFields, useLiveTasks, useTaskActions, useTasksView } from '../live-tasks';
import { TaskEditorLoader, useOpenTask } from '../open-task';
import { ProjectGone } from '../project-gone';
import { SuggestInput } from '../suggest-input';
import { isFiltered, TaskFiltersBar, taskMatcher, useTaskFilters, useTaskVocabulary } from '../task-filters';

type Column = 'title' | 'status' | 'priority' | 'assignee' | 'feature' | 'subtasks' | 'updated';

/** An inline edit the server refused because the task changed meanwhile: what was tried, to show beside the server's version. */
type Conflict = { taskId: string; title: string; fields: UpdateFields; mine: string };

const FIELD_LABEL: Record<string, string> = { status: 'Status', priority: 'Priority', assignee: 'Assignee', feature: 'Feature' };

function shownValue(field: keyof UpdateFields, value: unknown): string {
  if (field === 'status') return STATUS[value as TaskStatus].label;
  if (field === 'priority') return PRIORITY[value as TaskPriority].label;
  return value == null || value === '' ? 'none' : String(value);
}

function ConflictNotice({
  conflict,
  current,
  onRetry,
  onDismiss,
}: {
  conflict: Conflict;
  current: BoardTask | undefined;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const [field, mine] = Object.entries(conflict.fields)[0] as [keyof UpdateFields, unknown];
  return (
    <Alert variant="warning" title={`“${conflict.title}” was changed by someone else at the same time`} className="mb-3" data-testid="table-conflict">
      {current ? (
        <p>
          The server has {FIELD_LABEL[field]?.toLowerCase()}{' '}
          <strong className="font-semibold text-foreground">{shownValue(field, current[field as keyof BoardTask])}</strong> (version {current.version}
          ); your change to <strong className="font-semibold text-foreground">{shownValue(field, mine)}</strong> was not saved.
        </p>
      ) : (
        <p>The task was deleted meanwhile; your change was not saved.</p>
      )}
      <div className="mt-2 flex gap-2">
        {current && (
          <Button size="sm" variant="primary" onClick={onRetry} data-testid="conflict-retry">
            Save mine again
          </Button>
        )}
        <Button size="sm" onClick={onDismiss}>
          {current ? 'Keep theirs' : 'Dismiss'}
        </Button>
      </div>
    </Alert>
  );
}

/**
 * The tasks as a table: sortable columns and inline edits of status,
 * priority, assignee and feature, live like the board. An edit refused
 * because someone changed the task meanwhile shows the server's value and
 * lets the person save theirs again on the new version.
 */
export function TableView() {
  const { load, reload } = useLiveTasks();
  const view = useTasksView();
  const { can } = useSession();
  const canWrite = can('write');
  const { filters } = useTaskFilters();
  const { update } = useTaskActions();
  const openTask = useOpenTask();
  const [conflicts, setConflicts] = useState<Conflict[]>([]);

  const topLevel = useMemo(() => STATUSES.flatMap((s) => view.columns[s]), [view]);
  const matches = useMemo(() => taskMatcher(filters), [filters]);
  const rows = useMemo(() => topLevel.filter(matches), [topLevel, matches]);
  const vocabulary = useTaskVocabulary(topLevel);
  const order = useMemo(() => new Map(topLevel.map((t, i) => [t.id, i])), [topLevel]);
  const { sorted, sort, setSort } = useSort<BoardTask, Column>(rows, {
    title: (t) => t.title,
    status: (t) => STATUSES.indexOf(t.status) * 1e6 + (order.get(t.id) ?? 0),
    priority: (t) => PRIORITY[t.priority].rank,
    assignee: (t) => t.assignee,
    feature: (t) => t.feature,
    subtasks: (t) => view.progress.get(t.id)?.total ?? null,
    updated: (t) => new Date(t.updatedAt).getTime(),
  });

  const edit = async (task: BoardTask, fields: UpdateFields) => {
    setConflicts((list) => list.filter((c) => c.taskId !== task.id));
    const r = await update(task, fields);
    if (!r.ok && r.conflict) {
      const [field, value] = Object.entries(fields)[0] as [keyof UpdateFields, unknown];
      setConflicts((list) => [...list, { taskId: task.id, title: task.title, fields, mine: shownValue(field, value) }]);
    }
  };

  if (load.status === 'loading') return <TableSkeleton rows={8} columns={6} label="Loading the tasks" />;
  if (load.status === 'error') return <ErrorState error={load.error} onRetry={reload} />;
  if (load.status === 'gone') return <ProjectGone />;

  const filtered = isFiltered(filters);
  const head = (column: Column, label: string, className?: string) => (
    <SortableHead column={column} sort={sort} onSort={setSort} className={className}>
      {label}
    </SortableHead>
  );

  return (
    <>
      <TaskFiltersBar tasks={topLevel} shown={rows.length} total={topLevel.length} />
      {conflicts.map((c) => (
        <ConflictNotice
          key={c.taskId}
          conflict={c}
          current={view.byId.get(c.taskId)}
          onDismiss={() => setConflicts((list) => list.filter((x) => x !== c))}
          onRetry={() => {
            const current = view.byId.get(c.taskId);
            if (current) void edit(current, c.fields);
          }}
        />
      ))}
      {rows.length === 0 ? (
        filtered ? (
          <EmptyState icon={SearchX} title="No task matches the filters" description="Change or clear the filters above to see the other tasks." />
        ) : (
          <EmptyState
            icon={CircleCheckBig}
            title="No tasks yet"
            description="Add tasks on the board; they show up here too, with their fields editable in place."
          />
        )
      ) : (
        <VirtualTable
          label="Tasks"
          rows={sorted}
          getKey={(t) => t.id}
          rowHeight={44}
          // As tall as its rows, up to the window's height: a short list is not a tall empty box.
          className="h-auto max-h-[calc(100dvh-18.5rem)] min-h-0"
          columns={[
            {
              id: 'title',
              header: 'Title',
              head: head('title', 'Title', 'w-full min-w-44'),
              className: 'w-full min-w-44 max-w-0',
              cell: (t) => (
                <span className="flex min-w-0 items-center gap-2">
                  <a
                    href={`?task=${t.id}`}
                    onClick={(e) => {
                      if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                      e.preventDefault();
                      openTask(t.id);
                    }}
                    className="focus-ring truncate rounded-sm font-medium hover:underline"
                    data-testid="row-title"
                  >
                    {t.title}
                  </a>
                  {t.archived && <Badge variant="warning">Archived</Badge>}
                </span>
              ),
            },
            {
              id: 'status',
              header: 'Status',
              head: head('status', 'Status', 'w-32'),
              className: 'w-32',
              cell: (t) => (
                <Select value={t.status} onValueChange={(v) => void edit(t, { status: v as TaskStatus })} disabled={!canWrite || t.archived}>
                  <SelectTrigger
                    aria-label={`Status of “${t.title}”`}
                    className="h-7 border-transparent bg-transparent shadow-none hover:border-input"
                    data-testid="cell-status"
                  >
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
              ),
            },
            {
              id: 'priority',
              header: 'Priority',
              head: head('priority', 'Priority', 'w-32'),
              className: 'w-32',
              cell: (t) => (
                <Select value={t.priority} onValueChange={(v) => void edit(t, { priority: v as TaskPriority })} disabled={!canWrite}>
                  <SelectTrigger
                    aria-label={`Priority of “${t.title}”`}
                    className="h-7 border-transparent bg-transparent shadow-none hover:border-input"
                    data-testid="cell-priority"
                  >
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
              ),
            },
            {
              id: 'assignee',
              header: 'Assignee',
              head: head('assignee', 'Assignee', 'w-44'),
              className: 'w-44',
              cell: (t) =>
                canWrite ? (
                  <span className="flex items-center gap-2">
                    <AssigneeMark name={t.assignee} />
                    <SuggestInput
                      id={`assignee-${t.id}`}
                      label={`Assignee of “${t.title}”`}
                      value={t.assignee}
                      suggestions={vocabulary.assignees}
                      onSave={(assignee) => void edit(t, { assignee })}
                      className="h-7 w-30 border-transparent px-2 bg-transparent shadow-none hover:border-input"
                      testId="cell-assignee"
                    />
                  </span>
                ) : (
                  <span className="flex items-center gap-2">
                    <AssigneeMark name={t.assignee} /> {t.assignee}
                  </span>
                ),
            },
            {
              id: 'feature',
              header: 'Feature',
              head: head('feature', 'Feature', 'w-34'),
              className: 'w-34',
              cell: (t) =>
                canWrite ? (
                  <SuggestInput
                    id={`feature-${t.id}`}
                    label={`Feature of “${t.title}”`}
                    value={t.feature ?? ''}
                    suggestions={vocabulary.features}
                    allowEmpty
                    placeholder="None"
                    onSave={(feature) => void edit(t, { feature: feature || null })}
                    className="h-7 w-28 border-transparent px-2 bg-transparent shadow-none hover:border-input"
                    testId="cell-feature"
                  />
                ) : (
                  (t.feature ?? <span className="text-muted-foreground">None</span>)
                ),
            },
            {
              id: 'subtasks',
              header: 'Subtasks',
              head: head('subtasks', 'Subtasks', 'w-24'),
              className: 'w-24 tabular-nums',
              cell: (t) => {
                const p = view.progress.get(t.id);
                return p ? (
                  <span className={cn(p.done === p.total ? 'text-success-text' : 'text-muted-foreground')}>
                    {p.done}/{p.total}
                  </span>
                ) : (
                  <span className="text-muted-foreground">—</span>
                );
              },
            },
            {
              id: 'updated',
              header: 'Updated',
              head: head('updated', 'Updated', 'w-30 whitespace-nowrap'),
              className: 'w-30 whitespace-nowrap text-muted-foreground',
              cell: (t) => <RelativeTime date={t.updatedAt} />,
            },
          ]}
        />
      )}
      <TaskEditorLoader />
    </>
  );
}
