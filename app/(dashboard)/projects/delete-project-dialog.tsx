'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { ConfirmDialog } from '../../_components/ui/alert-dialog';
import { useTRPC } from '../../_lib/trpc';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * "Delete “Docs revamp”?" naming what goes with it (its tasks, archived ones
 * too, and its documents with their history), read from the server when the
 * dialog opens so the numbers are today's.
 */
export function DeleteProjectDialog({
  project,
  open,
  onOpenChange,
  onDeleted,
}: {
  project: { id: string; title: string };
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDeleted?: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const summary = useQuery({ ...trpc.projects.summary.queryOptions({ id: project.id }), enabled: open, staleTime: 0 });
  const remove = useMutation(trpc.projects.delete.mutationOptions());
  const s = summary.data;
  const tasks = s ? Object.values(s.taskCounts).reduce((a, b) => a + b, 0) + s.archivedTasks : null;
  const what =
    s && tasks !== null
      ? `Its ${plural(tasks, 'task')}${s.archivedTasks ? ` (${s.archivedTasks} archived)` : ''} with their subtasks and history, ${plural(s.documentCount, 'document')} with every version, and its features, data and source links are removed.`
      : 'Its tasks with their subtasks and history, its documents with every version, and its features, data and source links are removed.';
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Delete “${project.title}”?`}
      description={`${what} Linked knowledge sources stay. This cannot be undone.`}
      confirmLabel="Delete project"
      destructive
      onConfirm={async () => {
        await remove.mutateAsync({ id: project.id });
        toast.success(`Project “${project.title}” deleted`);
        onDeleted?.();
        await queryClient.invalidateQueries(trpc.projects.pathFilter());
      }}
    />
  );
}
