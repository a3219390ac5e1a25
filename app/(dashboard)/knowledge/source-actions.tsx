'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { ConfirmDialog } from '../../_components/ui/alert-dialog';
import { toastError } from '../../_lib/errors';
import { useOptimisticMutation } from '../../_lib/optimistic';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';
import { formatCount } from './format';
import { useTrackJob } from './live-jobs';

export type SourceRow = RouterOutputs['knowledge']['sources']['items'][number];

/** Where a source's archive downloads from (GET, read access; the browser sends the session cookie). */
export const exportHref = (id: string) => `/api/sources/${encodeURIComponent(id)}/export`;
export const sourceHref = (id: string) => `/knowledge/sources/${encodeURIComponent(id)}`;

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** "Its 12 pages, 340 chunks and 9 code examples": what deleting takes away. */
export function contentsOf(s: Pick<SourceRow, 'pageCount' | 'chunkCount' | 'codeExampleCount'>): string {
  return `${plural(s.pageCount, 'page')}, ${plural(s.chunkCount, 'chunk')} and ${plural(s.codeExampleCount, 'code example')}`;
}

/** Re-crawls a source now; its job is watched at once so progress shows without waiting for the stream to find it. */
export function useRefreshSource() {
  const trpc = useTRPC();
  const track = useTrackJob();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.knowledge.refresh.mutationOptions({
      onSuccess: (job) => {
        track(job);
        void queryClient.invalidateQueries(trpc.knowledge.sourceStatuses.pathFilter());
        void queryClient.invalidateQueries(trpc.jobs.list.pathFilter());
        toast.success('Refresh started', { description: 'Unchanged pages are skipped; progress shows as it goes.' });
      },
      onError: (err) => toastError(err, 'Could not start the refresh'),
    }),
  );
}

/**
 * Deleting a source: gone from the list at once, back with a toast if the
 * server refuses (a viewer, or it was already deleted elsewhere).
 */
export function useDeleteSource() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useOptimisticMutation(
    trpc.knowledge.deleteSource.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries(trpc.knowledge.sourceTags.pathFilter());
        void queryClient.invalidateQueries(trpc.jobs.list.pathFilter());
        // Results kept from an earlier search would still list its pages and code.
        void queryClient.invalidateQueries(trpc.knowledge.search.pathFilter());
        void queryClient.invalidateQueries(trpc.knowledge.searchCode.pathFilter());
      },
    }),
    {
      filter: trpc.knowledge.sources.queryFilter(),
      apply: (page, input) =>
        page.items.some((s) => s.id === input.id) ? { ...page, items: page.items.filter((s) => s.id !== input.id), total: page.total - 1 } : page,
      failure: 'Could not delete the source',
      success: (result) => `Deleted: ${plural(result.pages, 'page')} and ${plural(result.chunks, 'chunk')} removed`,
    },
  );
}

/** The confirmation before deleting, naming the source and everything that goes with it. */
export function DeleteSourceDialog({
  source,
  open,
  onOpenChange,
  onDeleted,
}: {
  source: Pick<SourceRow, 'id' | 'title' | 'pageCount' | 'chunkCount' | 'codeExampleCount'> | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDeleted?: () => void;
}) {
  const remove = useDeleteSource();
  if (!source) return null;
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Delete “${source.title}”?`}
      description={`Its ${contentsOf(source)} are removed, and any job still running on it is cancelled. Agents will no longer find it. This cannot be undone.`}
      confirmLabel="Delete source"
      destructive
      onConfirm={async () => {
        // A refusal is toasted once, by the mutation as it puts the source back; the dialog closes either way.
        const deleted = await remove.mutateAsync({ id: source.id }).then(
          () => true,
          () => false,
        );
        if (deleted) onDeleted?.();
      }}
    />
  );
}
