'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { CircleCheck, RefreshCw, TriangleAlert } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import { Button } from '../../_components/ui/button';
import { Progress } from '../../_components/ui/progress';
import { Skeleton } from '../../_components/ui/skeleton';
import { toastError } from '../../_lib/errors';
import { useSession } from '../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';

type Status = RouterOutputs['knowledge']['embeddingStatus'];
type Live = { status: string; done: number; failed: number };

const n = (v: number) => v.toLocaleString();
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Whether what is stored was embedded by the model in effect, and the
 * re-embedding job after a model change, live from jobs.onProgress (resumed
 * from its first event, so a reload shows where it is). No polling.
 */
export function EmbeddingStatus() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const status = useQuery(trpc.knowledge.embeddingStatus.queryOptions());
  const job = status.data?.job ?? null;
  const [live, setLive] = useState<{ jobId: string; state: Live } | null>(null);
  const reembed = useMutation(
    trpc.knowledge.reembed.mutationOptions({
      onSuccess: () => toast.success('Re-embedding started'),
      onError: (err) => toastError(err, 'Could not start re-embedding'),
      onSettled: () => queryClient.invalidateQueries(trpc.knowledge.embeddingStatus.pathFilter()),
    }),
  );

  useSubscription(
    trpc.jobs.onProgress.subscriptionOptions(
      { jobId: job?.id, lastEventId: null },
      {
        enabled: Boolean(job),
        onData: (event) => {
          const data = event.data as { kind: string; payload: Record<string, unknown> };
          if (data.kind === 'log' || !job) return;
          const state = {
            status: String(data.payload.status ?? 'running'),
            done: num(data.payload.embeddingsDone),
            failed: num(data.payload.embeddingsFailed),
          };
          setLive({ jobId: job.id, state });
          if (['completed', 'failed', 'cancelled'].includes(state.status)) {
            void queryClient.invalidateQueries(trpc.knowledge.embeddingStatus.pathFilter());
          }
        },
      },
    ),
  );

  if (status.isPending) {
    return (
      <div className="grid gap-2 rounded-lg border border-border px-3.5 py-3" role="status">
        <span className="sr-only">Loading the embedding status</span>
        <Skeleton className="h-4 w-64" />
        <Skeleton className="h-3 w-40" />
      </div>
    );
  }
  if (status.isError) {
    return (
      <p className="text-sm text-destructive-text" role="alert">
        The embedding status could not be loaded.{' '}
        <Button variant="link" onClick={() => void status.refetch()}>
          Try again
        </Button>
      </p>
    );
  }
  const s: Status = status.data;
  const stale = s.stale.chunks + s.stale.codeExamples;
  const frame = 'flex items-start gap-3 rounded-lg border px-3.5 py-3 text-sm';

  if (job) {
    const input = job.input as { chunks?: number; codeExamples?: number };
    const total = num(input.chunks) + num(input.codeExamples);
    const state = live?.jobId === job.id ? live.state : { status: job.status, done: job.embeddingsDone, failed: job.embeddingsFailed };
    const settled = state.done + state.failed;
    return (
      <div className={`${frame} border-accent/30 bg-accent-subtle`} data-testid="reembed-status" data-state={state.status}>
        <RefreshCw aria-hidden className="mt-0.5 size-4 shrink-0 animate-spin text-accent-text motion-reduce:animate-none" />
        <div className="grid min-w-0 flex-1 gap-2">
          <div className="flex flex-wrap items-baseline justify-between gap-x-4">
            <p className="font-medium">Re-embedding with {s.model}</p>
            <p className="text-xs tabular-nums text-muted-foreground">
              {n(settled)} of {n(total)}
              {state.failed ? ` · ${n(state.failed)} failed` : ''}
            </p>
          </div>
          <Progress value={total ? settled : null} max={total || 1} label="Re-embedding progress" />
          <p className="text-xs text-muted-foreground">Search keeps working meanwhile: full text finds everything, vectors what is done.</p>
        </div>
      </div>
    );
  }
  if (stale > 0) {
    return (
      <div className={`${frame} border-warning/40 bg-warning-subtle`} data-testid="reembed-status" data-state="stale">
        <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0 text-warning-text" />
        <div className="grid flex-1 gap-0.5">
          <p className="font-medium">
            {n(s.stale.chunks)} chunks and {n(s.stale.codeExamples)} code examples are not embedded with {s.model}
          </p>
          <p className="text-muted-foreground">They stay searchable by text. Re-embed them to find them by meaning too.</p>
        </div>
        {can('write') && (
          <Button size="sm" loading={reembed.isPending} onClick={() => reembed.mutate()}>
            Re-embed now
          </Button>
        )}
      </div>
    );
  }
  return (
    <div className={`${frame} border-border`} data-testid="reembed-status" data-state="current">
      <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0 text-success-text" />
      <p>
        Everything stored is embedded with <span className="font-mono text-[13px]">{s.model}</span> ({s.dimensions} dimensions).
      </p>
    </div>
  );
}
