'use client';

import { useQuery } from '@tanstack/react-query';
import { Archive, ArchiveRestore, History, MoreHorizontal, Pencil, Trash2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Alert } from '../../../_components/ui/alert';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
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
import { Panel, PanelContent, PanelDescription, PanelTitle } from '../../../_components/ui/panel';
import { Skeleton, SkeletonText } from '../../../_components/ui/skeleton';
import { cn } from '../../../_lib/cn';
import { describeError } from '../../../_lib/errors';
import { useSession } from '../../../_lib/session';
import { useTRPC } from '../../../_lib/trpc';
import { useUrlState } from '../../knowledge/url-state';
import { type BoardTask, STATUS } from '../task-meta';
import { DeleteTaskDialog } from './delete-task-dialog';
import { type UpdateFields, useTaskActions, useTasksView } from './live-tasks';
import { useOpenTask } from './open-task';
import { Description } from './task-description';
import { useTaskVocabulary } from './task-filters';
import { HistoryList } from './task-history';
import { LinksSection } from './task-links';
import { TaskProperties } from './task-properties';
import { Section } from './task-section';
import { Subtasks } from './task-subtasks';
import { TitleField } from './task-title-field';
import { toBoardTask } from './tasks-store';

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
          <TaskProperties task={task} canWrite={canWrite} vocabulary={vocabulary} save={save} />
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
