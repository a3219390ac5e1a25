import { Database, FileUp, Globe, type LucideIcon, RefreshCw } from 'lucide-react';
import { Avatar } from '../../_components/ui/avatar';
import { Badge } from '../../_components/ui/badge';
import { Spinner } from '../../_components/ui/spinner';
import { cn } from '../../_lib/cn';
import { type Job, type JobKind, type JobStatus, STATUS_LABELS, STATUS_VARIANT, starterName } from './format';

export const KIND_ICONS: Record<JobKind, LucideIcon> = { crawl: Globe, upload: FileUp, refresh: RefreshCw, reembed: Database };

export function KindIcon({ kind, className }: { kind: JobKind; className?: string }) {
  const Icon = KIND_ICONS[kind];
  return (
    <span
      aria-hidden
      className={cn('grid size-8 shrink-0 place-items-center rounded-lg border border-border bg-muted/60 text-muted-foreground', className)}
    >
      <Icon className="size-4" />
    </span>
  );
}

export function StatusBadge({ status, className }: { status: JobStatus; className?: string }) {
  return (
    <Badge variant={STATUS_VARIANT[status]} dot={status !== 'running'} className={className} data-testid="job-status" data-status={status}>
      {status === 'running' && <Spinner className="size-3" />}
      {STATUS_LABELS[status]}
    </Badge>
  );
}

export function Starter({ job }: { job: Pick<Job, 'startedBy'> }) {
  const name = starterName(job);
  return (
    <span className="inline-flex min-w-0 items-center gap-2" title={job.startedBy?.email}>
      {job.startedBy ? (
        <Avatar name={name} className="size-5 text-[9px]" />
      ) : (
        <span aria-hidden className="grid size-5 shrink-0 place-items-center rounded-full border border-border bg-muted text-muted-foreground">
          <RefreshCw className="size-3" />
        </span>
      )}
      <span className="truncate">{name}</span>
    </span>
  );
}
