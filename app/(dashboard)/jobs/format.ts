import type { RouterOutputs } from '../../_lib/trpc';

export type Job = RouterOutputs['jobs']['get'];
export type JobStatus = Job['status'];
export type JobKind = Job['kind'];

export const JOB_STATUSES: JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
export const JOB_KINDS: JobKind[] = ['crawl', 'upload', 'refresh', 'reembed'];
export const KIND_LABELS: Record<JobKind, string> = { crawl: 'Crawl', upload: 'Upload', refresh: 'Refresh', reembed: 'Re-embedding' };
export const STATUS_LABELS: Record<JobStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const STATUS_VARIANT = {
  queued: 'neutral',
  running: 'accent',
  completed: 'success',
  failed: 'destructive',
  cancelled: 'warning',
} as const satisfies Record<JobStatus, string>;

export const isActive = (s: JobStatus) => s === 'queued' || s === 'running';

const integer = new Intl.NumberFormat('en');
export const count = (n: number) => integer.format(n);
/** "1 chunk", "1,204 chunks". */
export const plural = (n: number, word: string) => `${integer.format(n)} ${n === 1 ? word : `${word}s`}`;

/** "850 ms", "12 s", "4 min 05 s", "2 h 03 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

const time = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).getTime());

/** How long a job ran: to its end, or to `now` (server time) while it runs; null before it starts. */
export function jobDuration(job: Pick<Job, 'startedAt' | 'finishedAt' | 'createdAt'>, now: number): number | null {
  const start = time(job.startedAt);
  if (start === null) return null;
  return (time(job.finishedAt) ?? now) - start;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** "3 minutes ago", "yesterday"; past a week, the date. */
export function ago(d: Date | string, now: number): string {
  const diff = (new Date(d).getTime() - now) / 1_000;
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  if (abs < 3_600) return relative.format(Math.round(diff / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(diff / 3_600), 'hour');
  if (abs < 7 * 86_400) return relative.format(Math.round(diff / 86_400), 'day');
  return dateTime.format(new Date(d));
}

export const fullDate = (d: Date | string) => dateTime.format(new Date(d));

/** What the job worked on: its source's title, else the URL or file names it was given. */
export function jobSubject(job: Pick<Job, 'kind' | 'sourceTitle' | 'sourceUrl' | 'input'>): string {
  if (job.sourceTitle) return job.sourceTitle;
  const input = (job.input ?? {}) as { url?: unknown; startUrl?: unknown; files?: { name?: unknown }[] };
  if (typeof input.startUrl === 'string') return input.startUrl;
  if (typeof input.url === 'string') return input.url;
  if (Array.isArray(input.files) && input.files.length > 0) {
    const first = String(input.files[0]?.name ?? 'file');
    return input.files.length === 1 ? first : `${first} and ${input.files.length - 1} more`;
  }
  if (job.kind === 'reembed') return 'All sources';
  return job.sourceUrl ?? 'Deleted source';
}

export const starterName = (job: Pick<Job, 'startedBy'>) => (job.startedBy ? job.startedBy.name || job.startedBy.email : 'System');

/** Pages settled out of those found, for a progress bar; null when the total is not known yet. */
export function pageProgress(job: Pick<Job, 'pagesDiscovered' | 'pagesFetched' | 'pagesSkipped' | 'pagesFailed'>) {
  const done = job.pagesFetched + job.pagesSkipped + job.pagesFailed;
  return { done, total: job.pagesDiscovered > 0 ? Math.max(job.pagesDiscovered, done) : null };
}
