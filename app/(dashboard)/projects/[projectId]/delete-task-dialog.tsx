'use client';

import { ConfirmDialog } from '../../../_components/ui/alert-dialog';
import type { BoardTask } from '../task-meta';
import { useTaskActions } from './live-tasks';

/** "Delete “Write the spec”?" naming its subtasks, which go with it; archiving is offered as the way to keep it. */
export function DeleteTaskDialog({
  task,
  subtasks,
  onClose,
  onDeleted,
}: {
  task: BoardTask | null;
  subtasks: number;
  onClose: () => void;
  onDeleted?: () => void;
}) {
  const { remove } = useTaskActions();
  return (
    <ConfirmDialog
      open={task !== null}
      onOpenChange={(o) => !o && onClose()}
      title={`Delete “${task?.title ?? ''}”?`}
      description={`The task${subtasks ? ` and its ${subtasks} ${subtasks === 1 ? 'subtask' : 'subtasks'}` : ''}, with ${subtasks ? 'their' : 'its'} links, are removed for good. Archive it instead to keep it out of the way.`}
      confirmLabel="Delete task"
      destructive
      onConfirm={async () => {
        if (!task) return;
        await remove(task);
        onDeleted?.();
      }}
    />
  );
}
