'use client';

import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { FilterX, ListChecks } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useRef } from 'react';
import { Button } from '../../_components/ui/button';
import { EmptyState } from '../../_components/ui/empty-state';
import { ErrorState } from '../../_components/ui/error-state';
import { Pagination } from '../../_components/ui/pagination';
import { Progress } from '../../_components/ui/progress';
import { SegmentedControl } from '../../_components/ui/segmented-control';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { TableSkeleton } from '../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../_components/ui/table';
import { cn } from '../../_lib/cn';
import { useSession } from '../../_lib/session';
import { useTRPC } from '../../_lib/trpc';
import { CancelJob } from './cancel-job';
import {
  ago,
  count,
  duration,
  fullDate,
  isActive,
  JOB_KINDS,
  type Job,
  type JobKind,
  type JobStatus,
  jobDuration,
  jobSubject,
  KIND_LABELS,
  pageProgress,
  plural,
} from './format';
import { KindIcon, Starter, StatusBadge } from './job-bits';
import { useServerNow } from './server-clock';

const LIMIT = 50;
const STATUS_FILTERS = ['all', 'active', 'completed', 'failed', 'cancelled'] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];
const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  all: 'All',
  active: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const STATUSES_OF: Record<StatusFilter, JobStatus[] | undefined> = {
  all: undefined,
  active: ['queued', 'running'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};

type Filters = { status: StatusFilter; kind: JobKind | null; offset: number };

function parseFilters(p: URLSearchParams): Filters {
  const status = p.get('status') as StatusFilter;
  const kind = p.get('kind') as JobKind;
  const page = Number.parseInt(p.get('page') ?? '1', 10);
  return {
    status: STATUS_FILTERS.includes(status) ? status : 'all',
    kind: JOB_KINDS.includes(kind) ? kind : null,
    offset: Number.isFinite(page) && page > 1 ? Math.min(page - 1, 10_000) * LIMIT : 0,
  };
}

function serializeFilters(f: Filters): string {
  const p = new URLSearchParams();
  if (f.status !== 'all') p.set('status', f.status);
  if (f.kind) p.set('kind', f.kind);
  if (f.offset > 0) p.set('page', String(f.offset / LIMIT + 1));
  return p.toString();
}

type StreamEvent = { id: string; data: { id: number; jobId: string; kind: string; payload: Record<string, unknown> } };
type JobPage = { items: Job[]; total: number; limit: number; offset: number };

/**
 * The counters and status an event carries (the job's row as it was written),
 * applied to a job on screen, unless what is on screen is newer: a replayed
 * log goes through every old snapshot, and a query may have read the row after
 * the event was written.
 */
export function applySnapshot(job: Job, payload: Record<string, unknown>): Job {
  const written = typeof payload.updatedAt === 'string' || payload.updatedAt instanceof Date ? new Date(payload.updatedAt).getTime() : Number.NaN;
  if (!(written >= new Date(job.updatedAt).getTime())) return job;
  const next = { ...job } as Record<string, unknown>;
  for (const key of Object.keys(job)) {
    if (key === 'input' || key === 'startedBy' || key === 'inngestRunsUrl' || !(key in payload)) continue;
    const v = payload[key];
    next[key] = /At$/.test(key) && v != null ? new Date(v as string) : v;
  }
  return next as Job;
}

/**
 * Every job's progress, live: one subscription to all jobs from now. A
 * progress event updates its row in place; a status change (a job starting,
 * ending, or a new one) refetches the listing once, since it may move a job
 * into or out of the filtered page. Nothing is polled.
 */
function useLiveJobList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pending = useRef<number | null>(null);
  useEffect(() => () => void (pending.current && cancelAnimationFrame(pending.current)), []);
  useSubscription(
    trpc.jobs.onProgress.subscriptionOptions(
      { lastEventId: null },
      {
        onData: (event: StreamEvent) => {
          const { kind, jobId, payload } = event.data;
          if (kind === 'progress') {
            queryClient.setQueriesData<JobPage>(
              trpc.jobs.list.queryFilter(),
              (page) => page && { ...page, items: page.items.map((j) => (j.id === jobId ? applySnapshot(j, payload) : j)) },
            );
          } else if (kind === 'status' && pending.current === null) {
            // A burst of status changes (a crawl fanning out) costs one refetch.
            pending.current = requestAnimationFrame(() => {
              pending.current = null;
              void queryClient.invalidateQueries(trpc.jobs.list.pathFilter());
            });
          }
        },
      },
    ),
  );
}

export function JobsView() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters = useMemo(() => parseFilters(new URLSearchParams(params.toString())), [params]);
  const set = (patch: Partial<Filters>) => {
    const qs = serializeFilters({ ...filters, offset: 0, ...patch });
    router.push(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  const trpc = useTRPC();
  const { can } = useSession();
  const list = useQuery({
    ...trpc.jobs.list.queryOptions({
      limit: LIMIT,
      offset: filters.offset,
      ...(STATUSES_OF[filters.status] ? { status: STATUSES_OF[filters.status] } : {}),
      ...(filters.kind ? { kind: filters.kind } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  useLiveJobList();
  // A page past the end (an old link, or jobs deleted since) goes back to the last one instead of saying there are none.
  const total = list.data?.total ?? 0;
  const pastEnd = Boolean(list.data && !list.isPlaceholderData && list.data.items.length === 0 && total > 0 && filters.offset > 0);
  useEffect(() => {
    if (!pastEnd) return;
    const qs = serializeFilters({ ...filters, offset: (Math.ceil(total / LIMIT) - 1) * LIMIT });
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  }, [pastEnd, filters, total, pathname, router]);
  const anyRunning = list.data?.items.some((j) => isActive(j.status)) ?? false;
  const now = useServerNow(anyRunning);
  const filtered = filters.status !== 'all' || filters.kind !== null;

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center gap-2" data-testid="job-filters">
        <SegmentedControl
          label="Status"
          size="md"
          // At phone width the five statuses take two rows rather than widening the page.
          className="max-w-full flex-wrap"
          value={filters.status}
          onChange={(status) => set({ status })}
          options={STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_FILTER_LABELS[s], testId: `status-${s}` }))}
        />
        <Select value={filters.kind ?? 'any'} onValueChange={(k) => set({ kind: k === 'any' ? null : (k as JobKind) })}>
          <SelectTrigger aria-label="Kind" data-testid="filter-kind" className="h-8 w-auto gap-1.5">
            <span className="text-muted-foreground">Kind:</span>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="any">Any</SelectItem>
            {JOB_KINDS.map((k) => (
              <SelectItem key={k} value={k}>
                {KIND_LABELS[k]}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
        {filtered && (
          <Button variant="ghost" size="sm" onClick={() => set({ status: 'all', kind: null })}>
            <FilterX aria-hidden /> Clear filters
          </Button>
        )}
        {list.data && (
          <p className="ml-auto text-sm tabular-nums text-muted-foreground" role="status">
            {count(list.data.total)} {list.data.total === 1 ? 'job' : 'jobs'}
          </p>
        )}
      </div>

      {list.isError && !list.data ? (
        <ErrorState error={list.error} title="Could not load jobs" onRetry={() => list.refetch()} />
      ) : !list.data || pastEnd ? (
        <TableSkeleton rows={6} columns={6} label="Loading jobs" />
      ) : list.data.items.length === 0 ? (
        filtered ? (
          <EmptyState
            icon={FilterX}
            title="No jobs match these filters"
            description="Try another status or kind, or clear the filters to see every job."
            action={<Button onClick={() => set({ status: 'all', kind: null })}>Clear filters</Button>}
          />
        ) : (
          <EmptyState
            icon={ListChecks}
            title="No jobs yet"
            description="Crawls, uploads, refreshes and re-embeddings show up here with their progress, counts and a live event log."
            action={
              <Button asChild variant="primary">
                <Link href="/knowledge">Add knowledge</Link>
              </Button>
            }
          />
        )
      ) : (
        <>
          <Table aria-label="Jobs" data-testid="jobs-table" containerClassName={cn('transition-opacity', list.isPlaceholderData && 'opacity-60')}>
            <TableHeader>
              <TableRow>
                <TableHead>Job</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Progress</TableHead>
                <TableHead>Started by</TableHead>
                <TableHead>Created</TableHead>
                <TableHead align="right">Duration</TableHead>
                {can('write') && (
                  <TableHead className="w-10">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.data.items.map((job) => (
                <JobRow key={job.id} job={job} now={now} canWrite={can('write')} onOpen={() => router.push(`/jobs/${job.id}`)} />
              ))}
            </TableBody>
          </Table>
          <Pagination total={list.data.total} offset={filters.offset} limit={LIMIT} onChange={(offset) => set({ offset })} label="Jobs" />
        </>
      )}
    </div>
  );
}

function JobRow({ job, now, canWrite, onOpen }: { job: Job; now: number; canWrite: boolean; onOpen: () => void }) {
  const { done, total } = pageProgress(job);
  const ms = jobDuration(job, now);
  const active = isActive(job.status);
  return (
    // The row opens the job for mouse users; keyboard users have the link in its first cell.
    <TableRow
      data-testid="job-row"
      data-job-id={job.id}
      className="cursor-pointer"
      onClick={(e) => {
        // The row opens the job, except where a link or button was the target.
        if (!(e.target as HTMLElement).closest('a,button,[role=dialog],[role=alertdialog]')) onOpen();
      }}
    >
      {/* A floor under the truncation: on a phone the column shrank to the icon, and the table scrolls sideways instead. */}
      <TableCell className="max-w-0 w-[38%] min-w-44">
        <div className="flex min-w-0 items-center gap-3">
          <KindIcon kind={job.kind} />
          <div className="min-w-0">
            <Link href={`/jobs/${job.id}`} className="focus-ring block truncate rounded-sm font-medium text-foreground hover:underline">
              {jobSubject(job)}
            </Link>
            <p className="truncate text-xs text-muted-foreground">
              {KIND_LABELS[job.kind]} · <span className="font-mono">{job.id.slice(0, 8)}</span>
            </p>
          </div>
        </div>
      </TableCell>
      <TableCell>
        <StatusBadge status={job.status} />
      </TableCell>
      <TableCell className="min-w-40">
        {job.kind === 'reembed' ? (
          <span className="tabular-nums text-muted-foreground">{count(job.embeddingsDone)} embedded</span>
        ) : (
          <div className="grid gap-1">
            <span className="whitespace-nowrap tabular-nums text-muted-foreground">
              <span className="text-foreground">{count(done)}</span>
              {total !== null && active ? ` / ${count(total)}` : ''} {done === 1 ? 'page' : 'pages'} · {plural(job.chunksStored, 'chunk')}
              {job.pagesFailed > 0 && <span className="text-destructive-text"> · {count(job.pagesFailed)} failed</span>}
            </span>
            {active && (
              <Progress
                value={total === null ? null : done}
                max={total ?? 100}
                label={`Progress of job ${job.id.slice(0, 8)}`}
                className="h-1 w-32"
              />
            )}
          </div>
        )}
      </TableCell>
      <TableCell className="max-w-40">
        <Starter job={job} />
      </TableCell>
      <TableCell className="whitespace-nowrap text-muted-foreground">
        <time dateTime={new Date(job.createdAt).toISOString()} title={fullDate(job.createdAt)}>
          {ago(job.createdAt, now)}
        </time>
      </TableCell>
      <TableCell align="right" className="whitespace-nowrap text-muted-foreground">
        {ms === null ? '—' : duration(ms)}
      </TableCell>
      {canWrite && <TableCell className="w-10 py-1">{active && <CancelJob job={job} compact />}</TableCell>}
    </TableRow>
  );
}
