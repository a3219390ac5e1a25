'use client';

import { useMutation } from '@tanstack/react-query';
import { CircleAlert, Square, TriangleAlert } from 'lucide-react';
import { Badge } from '../../_components/ui/badge';
import { Button } from '../../_components/ui/button';
import { IconButton } from '../../_components/ui/icon-button';
import { Popover, PopoverContent, PopoverTrigger } from '../../_components/ui/popover';
import { Progress } from '../../_components/ui/progress';
import { Sparkline } from '../../_components/ui/sparkline';
import { cn } from '../../_lib/cn';
import { toastError } from '../../_lib/errors';
import { useSession } from '../../_lib/session';
import { useTRPC } from '../../_lib/trpc';
import { formatCompact, formatCount, formatDuration, formatRate, JOB_KIND_LABELS } from './format';
import { isActive, type LiveJob, pagesDone, useLiveJobStore } from './live-jobs';

/** What the job is doing, in a word or two. */
export function stageOf(job: LiveJob): string {
  if (job.cancelling) return 'Cancelling…';
  switch (job.status) {
    case 'queued':
      return 'Queued';
    case 'completed':
      return 'Completed';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
  }
  if (job.kind === 'upload') return 'Converting files';
  if (job.kind === 'reembed') return 'Embedding';
  if (job.pagesDiscovered === 0) return 'Discovering pages';
  if (pagesDone(job) < job.pagesDiscovered) return 'Crawling';
  return 'Finishing up';
}

export type JobMetrics = {
  done: number;
  estimate: number;
  /** Pages per second over the last few seconds, or null before there is enough to tell. */
  rate: number | null;
  etaMs: number | null;
  /** Pages settled per second, second by second (the last minute). */
  series: number[];
};

const WINDOW_MS = 5_000;

/** Rate, ETA and the per-second series, from the job's samples (server time, so a replay gives the same figures). */
export function jobMetrics(job: LiveJob): JobMetrics {
  const done = pagesDone(job);
  const estimate = Math.max(job.pagesDiscovered, done);
  const s = job.samples.filter((x) => x.done > 0 || x.t >= (job.startedAt ?? 0));
  let rate: number | null = null;
  const last = s.at(-1);
  if (last && s.length >= 2) {
    const start = s.find((x) => x.t >= last.t - WINDOW_MS) ?? s[0]!;
    const first = start === last ? s.at(-2)! : start;
    const dt = (last.t - first.t) / 1000;
    if (dt >= 0.25) rate = Math.max(0, (last.done - first.done) / dt);
  }
  const remaining = Math.max(0, estimate - done);
  const etaMs = isActive(job.status) && rate && rate > 0 && remaining > 0 ? (remaining / rate) * 1000 : null;

  const series: number[] = [];
  if (s.length >= 2) {
    const t0 = s[0]!.t;
    const buckets = Math.min(600, Math.floor((s.at(-1)!.t - t0) / 1000) + 1);
    const atEnd = new Array<number>(buckets).fill(-1);
    for (const x of s) {
      const b = Math.min(buckets - 1, Math.floor((x.t - t0) / 1000));
      atEnd[b] = Math.max(atEnd[b]!, x.done);
    }
    let prev = s[0]!.done;
    for (let i = 0; i < buckets; i++) {
      const value = atEnd[i]! < 0 ? prev : atEnd[i]!;
      series.push(Math.max(0, value - prev));
      prev = value;
    }
  }
  // From zero, so a steady rate reads as a level line above the floor rather than one lying on it.
  return { done, estimate, rate, etaMs, series: series.length ? [0, ...series.slice(-59)] : series };
}

function useCancel(job: LiveJob) {
  const trpc = useTRPC();
  const store = useLiveJobStore();
  return useMutation(
    trpc.jobs.cancel.mutationOptions({
      // Shown at once; the status event confirms it. A refusal (already finished) puts it back.
      onMutate: () => store.setCancelling(job.id, true),
      onError: (err) => {
        store.setCancelling(job.id, false);
        toastError(err, 'Could not cancel the job');
      },
    }),
  );
}

function IssuesPopover({ job, compact }: { job: LiveJob; compact?: boolean }) {
  const failures = Math.max(job.errorCount, job.pagesFailed);
  const warnings = job.issues.filter((i) => i.level === 'warn').length;
  if (failures === 0 && warnings === 0) return null;
  const label = failures ? `${formatCount(failures)} error${failures === 1 ? '' : 's'}` : `${warnings} warning${warnings === 1 ? '' : 's'}`;
  return (
    <Popover>
      <PopoverTrigger asChild>
        <button
          type="button"
          data-testid="job-errors"
          className={cn(
            'focus-ring inline-flex h-5 items-center gap-1 rounded-md px-1.5 text-xs font-medium',
            failures ? 'bg-destructive-subtle text-destructive-text' : 'bg-warning-subtle text-warning-text',
          )}
        >
          {failures ? <CircleAlert aria-hidden className="size-3" /> : <TriangleAlert aria-hidden className="size-3" />}
          {compact ? formatCount(failures || warnings) : label}
          {compact && <span className="sr-only">{label}</span>}
        </button>
      </PopoverTrigger>
      <PopoverContent className="w-96 p-0" align="end">
        <p className="border-b border-border px-3 py-2 text-sm font-medium">{label}</p>
        <ul className="max-h-64 overflow-y-auto px-3 py-2 text-sm">
          {job.issues.length === 0 && <li className="text-muted-foreground">{formatCount(job.pagesFailed)} page(s) could not be fetched.</li>}
          {job.issues
            .slice()
            .reverse()
            .map((i) => (
              <li key={i.id} className="flex gap-2 py-1">
                {i.level === 'error' ? (
                  <CircleAlert aria-hidden className="mt-0.5 size-3.5 shrink-0 text-destructive-text" />
                ) : (
                  <TriangleAlert aria-hidden className="mt-0.5 size-3.5 shrink-0 text-warning-text" />
                )}
                <span className="min-w-0 break-words">{i.message}</span>
              </li>
            ))}
        </ul>
      </PopoverContent>
    </Popover>
  );
}

const testAttributes = (job: LiveJob, m: JobMetrics) => ({
  'data-testid': 'job-progress',
  'data-job-id': job.id,
  'data-status': job.status,
  'data-event-count': job.eventCount,
  'data-last-event-id': job.lastEventId,
  'data-done': m.done,
  'data-estimate': m.estimate,
});

/** A running job on a source's row: stage, a bar, pages of the estimate, rate, ETA, a sparkline, errors and cancel. */
export function JobProgressInline({ job, label }: { job: LiveJob; label: string }) {
  const { can } = useSession();
  const m = jobMetrics(job);
  const cancel = useCancel(job);
  const active = isActive(job.status);
  return (
    <div {...testAttributes(job, m)} className="flex min-w-0 items-center gap-3 text-xs text-muted-foreground">
      <span className="inline-flex shrink-0 items-center gap-1.5 font-medium text-foreground">
        <span aria-hidden className={cn('size-1.5 rounded-full', active ? 'animate-pulse bg-accent' : 'bg-muted-foreground')} />
        {stageOf(job)}
      </span>
      <Progress value={m.estimate ? m.done : null} max={m.estimate || 1} label={`${label}: ${stageOf(job)}`} className="w-24 shrink-0" />
      <span className="shrink-0 tabular-nums">
        {formatCompact(m.done)}
        {m.estimate ? ` / ${formatCompact(m.estimate)}` : ''} pages
      </span>
      <span className="hidden shrink-0 tabular-nums lg:inline">{formatCompact(job.chunksStored)} chunks</span>
      <span className="shrink-0 tabular-nums">{m.rate == null ? '–' : `${formatRate(m.rate)}/s`}</span>
      {m.etaMs != null && <span className="hidden shrink-0 tabular-nums xl:inline">ETA {formatDuration(m.etaMs)}</span>}
      <Sparkline values={m.series} width={56} height={16} label={`Pages per second${m.rate == null ? '' : `, now ${formatRate(m.rate)}`}`} />
      <IssuesPopover job={job} compact />
      {active && can('write') && (
        <IconButton
          icon={Square}
          size="icon-sm"
          label={`Cancel the ${(JOB_KIND_LABELS[job.kind] ?? 'job').toLowerCase()}`}
          disabled={job.cancelling}
          onClick={() => cancel.mutate({ id: job.id })}
        />
      )}
      <span role="status" className="sr-only">
        {stageOf(job)}
      </span>
    </div>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 truncate text-base font-medium tabular-nums">
        {value}
        {hint && <span className="ml-1 text-xs font-normal text-muted-foreground">{hint}</span>}
      </dd>
    </div>
  );
}

/** A job at the top of its source: the same figures, roomier, with a labelled cancel button. */
export function JobProgressPanel({ job, className }: { job: LiveJob; className?: string }) {
  const { can } = useSession();
  const m = jobMetrics(job);
  const cancel = useCancel(job);
  const active = isActive(job.status);
  const what = JOB_KIND_LABELS[job.kind] ?? 'Job';
  const tone = job.status === 'failed' ? 'destructive' : job.status === 'cancelled' ? 'warning' : job.status === 'completed' ? 'success' : 'accent';
  return (
    <section
      {...testAttributes(job, m)}
      aria-label={`${what} progress`}
      className={cn('rounded-xl border border-border bg-surface p-4 shadow-xs', className)}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <Badge variant={tone === 'accent' ? 'accent' : tone} dot>
          {what}: {stageOf(job)}
        </Badge>
        {job.message && active && <span className="min-w-0 truncate text-sm text-muted-foreground">{job.message}</span>}
        <div className="ml-auto flex items-center gap-2">
          <IssuesPopover job={job} />
          {active && can('write') && (
            <Button size="sm" variant="secondary" loading={job.cancelling} onClick={() => cancel.mutate({ id: job.id })}>
              <Square aria-hidden className="size-3.5" /> Cancel {what.toLowerCase()}
            </Button>
          )}
        </div>
      </div>
      <Progress
        value={active ? (m.estimate ? m.done : null) : m.estimate || 1}
        max={m.estimate || 1}
        tone={tone}
        label={`${what}: ${stageOf(job)}`}
        className="mt-3"
      />
      <div className="mt-3 flex flex-wrap items-end justify-between gap-4">
        <dl className="grid grid-cols-2 gap-x-8 gap-y-2 sm:grid-cols-5">
          <Stat label="Pages" value={formatCount(m.done)} hint={m.estimate ? `of ${formatCount(m.estimate)}` : undefined} />
          <Stat label="Chunks" value={formatCount(job.chunksStored)} hint={`${formatCount(job.embeddingsDone)} embedded`} />
          <Stat label="Rate" value={m.rate == null ? '–' : `${formatRate(m.rate)}/s`} />
          <Stat label="ETA" value={m.etaMs == null ? '–' : formatDuration(m.etaMs)} />
          <Stat label="Failed" value={formatCount(job.pagesFailed)} />
        </dl>
        <Sparkline values={m.series} width={160} height={32} label={`Pages per second${m.rate == null ? '' : `, now ${formatRate(m.rate)}`}`} />
      </div>
      {job.error && !active && <p className="mt-3 text-sm text-muted-foreground">{job.error}</p>}
      <span role="status" className="sr-only">
        {what}: {stageOf(job)}
      </span>
    </section>
  );
}
