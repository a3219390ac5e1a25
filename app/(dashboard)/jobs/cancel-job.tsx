'use client';

import { useQueryClient } from '@tanstack/react-query';
import { CircleStop } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../_components/ui/alert-dialog';
import { Button } from '../../_components/ui/button';
import { IconButton } from '../../_components/ui/icon-button';
import { useOptimisticMutation } from '../../_lib/optimistic';
import { useTRPC } from '../../_lib/trpc';
import { type Job, jobSubject, KIND_LABELS } from './format';

/**
 * Cancel for a running or queued job, behind a confirmation that says what
 * happens. The job shows as cancelled at once (in the list and on its page);
 * if the server refuses (it finished meanwhile), the change is rolled back
 * with a toast. Only for people who may write: callers check `can('write')`.
 */
export function CancelJob({ job, compact = false }: { job: Pick<Job, 'id' | 'kind' | 'sourceTitle' | 'sourceUrl' | 'input'>; compact?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  // Marked as changed now, so progress written before the cancel and still on its way does not show the job running again.
  const cancelled = <T extends { id: string; status: string; finishedAt: Date | null; updatedAt: Date }>(j: T): T => {
    if (j.id !== job.id) return j;
    const now = new Date(Math.max(Date.now(), new Date(j.updatedAt).getTime() + 1));
    return { ...j, status: 'cancelled', finishedAt: j.finishedAt ?? now, updatedAt: now };
  };
  const cancel = useOptimisticMutation(
    trpc.jobs.cancel.mutationOptions({
      // The list shows the job too; it converges with the server's answer either way.
      onSettled: () => queryClient.invalidateQueries(trpc.jobs.list.pathFilter()),
    }),
    {
      filter: trpc.jobs.get.queryFilter({ id: job.id }),
      apply: (current) => cancelled(current),
      failure: 'Could not cancel the job',
    },
  );
  const confirm = () => {
    // The list shows the change at once as well; a refusal rolls the page back, and the refetch above puts the list right.
    queryClient.setQueriesData<{ items: Job[]; total: number; limit: number; offset: number }>(
      trpc.jobs.list.queryFilter(),
      (page) => page && { ...page, items: page.items.map(cancelled) },
    );
    setOpen(false);
    cancel.mutate({ id: job.id });
  };
  const what = `${KIND_LABELS[job.kind].toLowerCase()} of ${jobSubject(job)}`;
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={setOpen}
      title={`Cancel the ${what}?`}
      description="It stops at the next page or file. What it has stored so far stays searchable; run it again later to finish."
      confirmLabel="Cancel job"
      cancelLabel="Keep running"
      destructive
      onConfirm={confirm}
    >
      {compact ? (
        <IconButton icon={CircleStop} label="Cancel job" size="icon-sm" data-testid="cancel-job" />
      ) : (
        <Button variant="secondary" data-testid="cancel-job">
          <CircleStop aria-hidden /> Cancel job
        </Button>
      )}
    </ConfirmDialog>
  );
}
