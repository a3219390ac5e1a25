'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { ExternalLink, Layers } from 'lucide-react';
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert } from '../../../_components/ui/alert';
import { Button } from '../../../_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../../_components/ui/card';
import { ErrorState } from '../../../_components/ui/error-state';
import { PageHeader } from '../../../_components/ui/page-header';
import { Progress } from '../../../_components/ui/progress';
import { SegmentedControl } from '../../../_components/ui/segmented-control';
import { Skeleton, SkeletonText } from '../../../_components/ui/skeleton';
import { VirtualList } from '../../../_components/ui/virtual-list';
import { cn } from '../../../_lib/cn';
import { useConnectionState } from '../../../_lib/connection';
import { useSession } from '../../../_lib/session';
import { useTRPC } from '../../../_lib/trpc';
import { CancelJob } from '../cancel-job';
import { count, duration, fullDate, isActive, type Job, jobDuration, jobSubject, KIND_LABELS, pageProgress } from '../format';
import { KindIcon, Starter, StatusBadge } from '../job-bits';
import { applySnapshot } from '../jobs-view';
import { useServerNow } from '../server-clock';
import { type LogEvent, LogLine, toLogEvent } from './log-line';

/** Whether a snapshot was written after the job as the page has it (applySnapshot takes equal times too, which would loop here). */
const isNewer = (payload: Record<string, unknown>, job: Job) => {
  const written = typeof payload.updatedAt === 'string' || payload.updatedAt instanceof Date ? new Date(payload.updatedAt).getTime() : Number.NaN;
  return written > new Date(job.updatedAt).getTime();
};

type StreamEvent = { id: string; data: { id: number; jobId: string; kind: string; payload: Record<string, unknown>; createdAt: Date | string } };

/**
 * A job's whole event log, live. The subscription starts at the job's first
 * event; after a dropped connection the client resumes from the last event it
 * received (lastEventId), and ids already seen are skipped. Events arriving
 * together are added once per frame, so a log of 10,000 events loads in a few
 * renders (a lone event at once), and the job's status and counters follow the newest snapshot.
 */
function useJobLog(id: string, job: Job | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [events, setEvents] = useState<LogEvent[]>([]);
  const buffer = useRef<LogEvent[]>([]);
  // The newest status or progress snapshot seen, kept: it may arrive before jobs.get answers, or be newer than an
  // answer that was produced earlier and delivered later; either way the page must end showing the newer one.
  const snapshot = useRef<Record<string, unknown> | null>(null);
  const lastId = useRef(0);
  const frame = useRef<number | null>(null);
  const lastFlush = useRef(0);
  const key = useMemo(() => trpc.jobs.get.queryKey({ id }), [trpc, id]);
  const catchUp = useCallback(() => {
    const latest = snapshot.current;
    if (!latest) return;
    queryClient.setQueryData(key, (current) => (current && isNewer(latest, current) ? applySnapshot(current, latest) : current));
  }, [queryClient, key]);
  const flush = useCallback(() => {
    frame.current = null;
    lastFlush.current = performance.now();
    const batch = buffer.current;
    buffer.current = [];
    if (batch.length) setEvents((prev) => prev.concat(batch));
    catchUp();
  }, [catchUp]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs whenever the query's answer changes (it arrived, or was refetched)
  useEffect(catchUp, [job]);
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);
  const subscription = useSubscription(
    trpc.jobs.onProgress.subscriptionOptions(
      { jobId: id, lastEventId: null },
      {
        onData: (event: StreamEvent) => {
          const row = event.data;
          if (row.id <= lastId.current) return;
          lastId.current = row.id;
          buffer.current.push(toLogEvent(row));
          if (row.kind === 'status' || row.kind === 'progress') snapshot.current = row.payload;
          if (frame.current !== null) return;
          // A lone event goes out now, painted in the next frame; set from a frame callback, React would render it
          // after that frame's paint, a frame later. Events close together are still gathered once per frame.
          if (performance.now() - lastFlush.current > 100) {
            frame.current = -1;
            queueMicrotask(flush);
          } else frame.current = requestAnimationFrame(flush);
        },
      },
    ),
  );
  return { events, subscription };
}

export function JobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const job = useQuery(trpc.jobs.get.queryOptions({ id }));
  const { events, subscription } = useJobLog(id, job.data);
  const active = job.data ? isActive(job.data.status) : false;
  const now = useServerNow(active);

  if (job.isError && !job.data) return <ErrorState error={job.error} title="Could not load the job" onRetry={() => job.refetch()} headingLevel={1} />;
  if (!job.data) return <JobSkeleton />;
  const j = job.data;
  const title = `${KIND_LABELS[j.kind]} of ${jobSubject(j)}`;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Jobs', href: '/jobs' }, { label: title }]}
        title={
          <span className="flex min-w-0 items-center gap-3">
            <KindIcon kind={j.kind} className="size-9" />
            <span className="min-w-0 break-words">{title}</span>
          </span>
        }
        description={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
            <StatusBadge status={j.status} />
            <span className="font-mono text-muted-foreground">{j.id}</span>
          </span>
        }
        actions={
          <>
            {j.sourceId && j.sourceTitle && (
              <Button asChild variant="ghost">
                <Link href={`/knowledge/sources/${encodeURIComponent(j.sourceId)}`}>
                  <Layers aria-hidden /> View source
                </Link>
              </Button>
            )}
            {j.inngestRunsUrl && (
              <Button asChild variant="secondary">
                <a href={j.inngestRunsUrl} target="_blank" rel="noopener noreferrer" data-testid="inngest-link">
                  <ExternalLink aria-hidden /> Runs in Inngest
                  <span className="sr-only">(opens in a new tab)</span>
                </a>
              </Button>
            )}
            {active && can('write') && <CancelJob job={j} />}
          </>
        }
      />
      <div className="grid grid-cols-1 gap-4">
        {j.error && (
          <Alert variant={j.status === 'failed' ? 'destructive' : 'warning'} title={j.status === 'failed' ? 'The job failed' : 'Note'}>
            {j.error}
          </Alert>
        )}
        <Summary job={j} now={now} />
        <EventLog events={events} active={active} streaming={subscription.status} />
      </div>
    </>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'destructive' | 'warning' }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd
        className={cn(
          'mt-0.5 text-lg font-semibold tabular-nums tracking-tight',
          tone === 'destructive' && 'text-destructive-text',
          tone === 'warning' && 'text-warning-text',
        )}
      >
        {value}
      </dd>
    </div>
  );
}

function Summary({ job, now }: { job: Job; now: number }) {
  const { done, total } = pageProgress(job);
  const ms = jobDuration(job, now);
  const active = isActive(job.status);
  const pct = total ? Math.round((done / total) * 100) : null;
  return (
    <Card data-testid="job-summary">
      <CardContent className="grid grid-cols-1 gap-5 pt-5">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-4">
          <div className="min-w-0">
            <dt className="text-xs text-muted-foreground">Started by</dt>
            <dd className="mt-1">
              <Starter job={job} />
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">Created</dt>
            <dd className="mt-1">{fullDate(job.createdAt)}</dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">{job.finishedAt ? 'Finished' : 'Started'}</dt>
            <dd className="mt-1">{job.finishedAt ? fullDate(job.finishedAt) : job.startedAt ? fullDate(job.startedAt) : 'Waiting for a slot'}</dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">Duration</dt>
            <dd className="mt-1 tabular-nums" data-testid="job-duration">
              {ms === null ? '—' : duration(ms)}
              {active && ms !== null && <span className="text-muted-foreground"> so far</span>}
            </dd>
          </div>
        </dl>
        {job.kind !== 'reembed' && (
          <div className="grid gap-1.5">
            <div className="flex items-baseline justify-between text-sm">
              <span className="font-medium">Pages</span>
              <span className="tabular-nums text-muted-foreground">
                {count(done)}
                {total !== null ? ` of ${count(total)}` : ''}
                {pct !== null ? ` · ${pct}%` : ''}
              </span>
            </div>
            <Progress
              value={active && total === null ? null : done}
              max={total ?? Math.max(done, 1)}
              label="Pages done"
              tone={
                job.status === 'failed' ? 'destructive' : job.status === 'cancelled' ? 'warning' : job.status === 'completed' ? 'success' : 'accent'
              }
            />
          </div>
        )}
        <dl className="grid grid-cols-3 gap-x-6 gap-y-4 border-t border-border pt-4 sm:grid-cols-6" data-testid="job-counts">
          <Stat label="Found" value={count(job.pagesDiscovered)} />
          <Stat label="Fetched" value={count(job.pagesFetched)} />
          <Stat label="Unchanged" value={count(job.pagesSkipped)} />
          <Stat label="Failed" value={count(job.pagesFailed)} tone={job.pagesFailed > 0 ? 'destructive' : undefined} />
          <Stat label="Chunks" value={count(job.chunksStored)} />
          <Stat
            label="Embeddings"
            value={job.embeddingsFailed > 0 ? `${count(job.embeddingsDone)} / ${count(job.embeddingsFailed)} failed` : count(job.embeddingsDone)}
            tone={job.embeddingsFailed > 0 ? 'warning' : undefined}
          />
        </dl>
      </CardContent>
    </Card>
  );
}

const LOG_FILTERS = { all: 'All events', important: 'Status and messages' } as const;

function EventLog({ events, active, streaming }: { events: LogEvent[]; active: boolean; streaming: string }) {
  const connection = useConnectionState();
  const [filter, setFilter] = useState<keyof typeof LOG_FILTERS>('all');
  const shown = useMemo(() => (filter === 'all' ? events : events.filter((e) => e.kind !== 'progress')), [events, filter]);
  const live = active && streaming === 'pending' && connection !== 'reconnecting';
  return (
    <Card data-testid="job-log-card">
      <CardHeader className="flex-wrap items-center">
        <div>
          <CardTitle>Event log</CardTitle>
          <CardDescription>
            <span data-testid="event-count" data-count={events.length} className="tabular-nums">
              {count(events.length)} {events.length === 1 ? 'event' : 'events'}
            </span>
            {filter === 'important' && <span className="tabular-nums"> · {count(shown.length)} shown</span>}
          </CardDescription>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <span
            className={cn('inline-flex items-center gap-1.5 text-sm', live ? 'text-success-text' : 'text-muted-foreground')}
            data-testid="log-live"
          >
            <span aria-hidden className={cn('size-2 rounded-full', live ? 'animate-pulse bg-success' : 'bg-muted-foreground/60')} />
            {live ? 'Live' : active ? 'Reconnecting…' : 'Finished'}
          </span>
          <SegmentedControl
            label="Events shown"
            value={filter}
            onChange={setFilter}
            options={(Object.keys(LOG_FILTERS) as (keyof typeof LOG_FILTERS)[]).map((f) => ({ value: f, label: LOG_FILTERS[f] }))}
          />
        </div>
      </CardHeader>
      <CardContent className="px-0 pb-0">
        {events.length === 0 ? (
          <div className="border-t border-border px-5 py-10 text-center text-sm text-muted-foreground" data-testid="job-log-empty">
            {streaming === 'error' ? 'The event stream could not be opened.' : 'Waiting for the first event…'}
          </div>
        ) : (
          <div data-testid="job-log">
            <VirtualList
              label="Event log"
              role="log"
              items={shown}
              getKey={(e) => e.id}
              itemHeight={30}
              overscan={15}
              follow
              className="h-[28rem] rounded-none rounded-b-xl border-x-0 border-b-0 font-mono text-[12.5px]"
              renderItem={(e) => <LogLine event={e} />}
            />
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function JobSkeleton() {
  return (
    <div aria-busy className="grid gap-4">
      <span className="sr-only" role="status">
        Loading the job
      </span>
      <Skeleton className="h-4 w-40" />
      <Skeleton className="h-8 w-96 max-w-full" />
      <div className="rounded-xl border border-border bg-surface p-5">
        <SkeletonText lines={3} />
      </div>
      <div className="rounded-xl border border-border bg-surface p-5">
        <SkeletonText lines={8} />
      </div>
    </div>
  );
}
