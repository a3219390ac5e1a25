'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { History } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Pagination } from '../../../../_components/ui/pagination';
import { TableSkeleton } from '../../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../_components/ui/table';
import { cn } from '../../../../_lib/cn';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { formatCount, formatDateTime, formatDuration, formatRelative, JOB_KIND_LABELS } from '../../format';
import { stageOf } from '../../job-progress';
import { isActive, type JobStatus, useLiveJob } from '../../live-jobs';

const LIMIT = 20;
type Job = RouterOutputs['jobs']['list']['items'][number];

const TONE: Record<JobStatus, 'accent' | 'success' | 'destructive' | 'warning' | 'neutral'> = {
  queued: 'neutral',
  running: 'accent',
  completed: 'success',
  failed: 'destructive',
  cancelled: 'warning',
};

/** A past or running job; a running one takes its figures from the live stream. */
function JobRow({ job: stored }: { job: Job }) {
  const live = useLiveJob(stored.id);
  const job = live && live.eventCount > 0 ? { ...stored, ...live, createdAt: stored.createdAt } : stored;
  const status = job.status as JobStatus;
  const started = stored.startedAt ?? stored.createdAt;
  const end = live?.finishedAt ?? (stored.finishedAt ? new Date(stored.finishedAt).getTime() : null);
  const startMs = live?.startedAt ?? (stored.startedAt ? new Date(stored.startedAt).getTime() : null);
  return (
    <TableRow data-testid="job-row" data-job-id={stored.id} data-status={status}>
      <TableCell>
        <Link href={`/jobs/${stored.id}`} className="focus-ring rounded-sm font-medium hover:underline">
          {JOB_KIND_LABELS[job.kind] ?? job.kind}
        </Link>
        <span className="block text-xs text-muted-foreground" title={formatDateTime(started)}>
          {formatRelative(started)}
        </span>
      </TableCell>
      <TableCell>
        <Badge variant={TONE[status]} dot>
          {live ? stageOf(live) : status[0]!.toUpperCase() + status.slice(1)}
        </Badge>
      </TableCell>
      <TableCell align="right">
        {formatCount(job.pagesFetched)}
        {job.pagesDiscovered > 0 && <span className="text-muted-foreground"> / {formatCount(job.pagesDiscovered)}</span>}
      </TableCell>
      <TableCell align="right" className="hidden sm:table-cell">
        {formatCount(job.pagesSkipped)}
      </TableCell>
      <TableCell align="right" className={cn(job.pagesFailed > 0 && 'text-destructive-text')}>
        {formatCount(job.pagesFailed)}
      </TableCell>
      <TableCell align="right">{formatCount(job.chunksStored)}</TableCell>
      <TableCell className="hidden whitespace-nowrap tabular-nums text-muted-foreground md:table-cell">
        {startMs ? formatDuration((end ?? Date.now()) - startMs) : '–'}
        {isActive(status) && startMs ? ' so far' : ''}
      </TableCell>
      <TableCell className="hidden max-w-0 lg:table-cell">
        <span className="block truncate text-muted-foreground" title={job.error ?? undefined}>
          {job.error ?? ''}
        </span>
      </TableCell>
    </TableRow>
  );
}

/** The source's job history, newest first; running jobs update live, and a new one appears when it starts. */
export function JobsTab({ sourceId }: { sourceId: string }) {
  const trpc = useTRPC();
  const [offset, setOffset] = useState(0);
  const jobs = useQuery({ ...trpc.jobs.list.queryOptions({ sourceId, limit: LIMIT, offset }), placeholderData: keepPreviousData });
  if (jobs.isPending) return <TableSkeleton rows={4} columns={6} label="Loading jobs" />;
  if (jobs.isError) return <ErrorState compact error={jobs.error} onRetry={() => jobs.refetch()} />;
  if (jobs.data.total === 0) {
    return <EmptyState icon={History} headingLevel={3} title="No jobs" description="Crawls, refreshes and uploads of this source show up here." />;
  }
  return (
    <div className="grid grid-cols-1 gap-3">
      <Table aria-label="Jobs of this source" data-testid="source-jobs" className="table-fixed">
        <TableHeader>
          <TableRow>
            <TableHead className="w-32">Job</TableHead>
            <TableHead className="w-36">Status</TableHead>
            <TableHead align="right" className="w-24">
              Pages
            </TableHead>
            <TableHead align="right" className="hidden w-20 sm:table-cell">
              Skipped
            </TableHead>
            <TableHead align="right" className="w-20">
              Failed
            </TableHead>
            <TableHead align="right" className="w-20">
              Chunks
            </TableHead>
            <TableHead className="hidden w-28 md:table-cell">Duration</TableHead>
            <TableHead className="hidden lg:table-cell">Outcome</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {jobs.data.items.map((j) => (
            <JobRow key={j.id} job={j} />
          ))}
        </TableBody>
      </Table>
      <Pagination total={jobs.data.total} offset={offset} limit={LIMIT} onChange={setOffset} label="Jobs" />
    </div>
  );
}
