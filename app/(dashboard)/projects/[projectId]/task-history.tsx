'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ErrorState } from '../../../_components/ui/error-state';
import { RelativeTime } from '../../../_components/ui/relative-time';
import { SkeletonText } from '../../../_components/ui/skeleton';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';
import { PRIORITY, STATUS, type TaskPriority, type TaskStatus } from '../task-meta';

type HistoryPage = RouterOutputs['tasks']['history'];
type Entry = HistoryPage['entries'][number];

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

export function HistoryList({ taskId, signature }: { taskId: string; signature: string }) {
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
