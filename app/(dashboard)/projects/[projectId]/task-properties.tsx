'use client';

import { useId } from 'react';
import { formatDateTime, RelativeTime } from '../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { cn } from '../../../_lib/cn';
import { AssigneeMark, type BoardTask, PRIORITIES, PRIORITY, STATUS, STATUSES, type TaskPriority, type TaskStatus } from '../task-meta';
import type { UpdateFields } from './live-tasks';
import { SuggestInput } from './suggest-input';

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

/** The task's fields (status, priority, assignee, feature), each saved as it changes, and when it last changed. */
export function TaskProperties({
  task,
  canWrite,
  vocabulary,
  save,
}: {
  task: BoardTask;
  canWrite: boolean;
  vocabulary: { assignees: string[]; features: string[] };
  save: (fields: UpdateFields, summary: string) => Promise<void>;
}) {
  const baseId = useId();
  return (
    <div className="grid gap-2.5 rounded-lg border border-border bg-muted/30 p-3.5">
      <Property label="Status" htmlFor={`${baseId}-status`}>
        <Select
          value={task.status}
          onValueChange={(v) => void save({ status: v as TaskStatus }, `Status: ${STATUS[v as TaskStatus].label}`)}
          disabled={!canWrite || task.archived}
        >
          <SelectTrigger
            id={`${baseId}-status`}
            className="w-48"
            data-testid="editor-status"
            aria-describedby={task.archived ? `${baseId}-status-hint` : undefined}
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
        {task.archived && (
          <p id={`${baseId}-status-hint`} className="mt-1 text-xs text-muted-foreground">
            Archived tasks keep their column; unarchive it to move it.
          </p>
        )}
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
  );
}
