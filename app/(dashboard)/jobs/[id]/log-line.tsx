import { cn } from '../../../_lib/cn';
import { count, type JobStatus, plural, STATUS_LABELS } from '../format';

/** One line of a job's log, made once when its event arrives (rendering a line then costs nothing but layout). */
export type LogEvent = {
  id: number;
  kind: 'status' | 'progress' | 'log';
  /** When the server wrote it (its clock, ms). */
  at: number;
  level: 'info' | 'warn' | 'error';
  text: string;
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function progressText(p: Record<string, unknown>): string {
  const parts: string[] = [];
  if (p.kind === 'reembed') parts.push(`${count(num(p.embeddingsDone))} embedded`);
  else {
    const done = num(p.pagesFetched) + num(p.pagesSkipped) + num(p.pagesFailed);
    parts.push(
      `${count(done)}${num(p.pagesDiscovered) ? ` of ${count(num(p.pagesDiscovered))}` : ''} ${num(p.pagesDiscovered) === 1 || (!num(p.pagesDiscovered) && done === 1) ? 'page' : 'pages'}`,
    );
    if (num(p.pagesSkipped)) parts.push(`${count(num(p.pagesSkipped))} unchanged`);
    if (num(p.pagesFailed)) parts.push(`${count(num(p.pagesFailed))} failed`);
    parts.push(plural(num(p.chunksStored), 'chunk'));
  }
  if (num(p.embeddingsFailed)) parts.push(`${count(num(p.embeddingsFailed))} embeddings failed`);
  const message = typeof p.message === 'string' && p.message ? ` — ${p.message}` : '';
  return parts.join(' · ') + message;
}

export function toLogEvent(row: { id: number; kind: string; payload: Record<string, unknown>; createdAt: Date | string }): LogEvent {
  const p = row.payload ?? {};
  const at = new Date(row.createdAt).getTime();
  if (row.kind === 'log') {
    const level = p.level === 'error' || p.level === 'warn' ? p.level : 'info';
    return { id: row.id, kind: 'log', at, level, text: String(p.message ?? '') };
  }
  if (row.kind === 'status') {
    const status = p.status as JobStatus;
    const error = status === 'failed' && typeof p.error === 'string' && p.error ? `: ${p.error}` : '';
    return {
      id: row.id,
      kind: 'status',
      at,
      level: status === 'failed' ? 'error' : 'info',
      text: `${STATUS_LABELS[status] ?? String(p.status)}${error}`,
    };
  }
  return { id: row.id, kind: 'progress', at, level: 'info', text: progressText(p) };
}

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false });

const KIND_STYLE: Record<LogEvent['kind'], string> = {
  status: 'bg-accent-subtle text-accent-text',
  progress: 'text-muted-foreground',
  log: 'bg-muted text-foreground',
};

export function LogLine({ event }: { event: LogEvent }) {
  return (
    <div
      data-event-id={event.id}
      data-created-at={event.at}
      title={event.text.length > 120 ? event.text : undefined}
      className={cn(
        'flex h-full items-center gap-3 border-b border-border/60 px-5 hover:bg-muted/40',
        event.level === 'error' && 'bg-destructive-subtle/60',
        event.level === 'warn' && 'bg-warning-subtle/60',
      )}
    >
      <time className="w-[6.5rem] shrink-0 tabular-nums text-muted-foreground" dateTime={new Date(event.at).toISOString()}>
        {clock.format(event.at)}
      </time>
      <span className={cn('w-[4.5rem] shrink-0 rounded px-1.5 py-px text-center font-sans text-[11px] font-medium', KIND_STYLE[event.kind])}>
        {event.kind === 'log' ? event.level : event.kind}
      </span>
      <span
        className={cn(
          'min-w-0 flex-1 truncate',
          event.level === 'error' && 'text-destructive-text',
          event.level === 'warn' && 'text-warning-text',
          event.kind === 'progress' && 'text-muted-foreground',
        )}
      >
        {event.text}
      </span>
    </div>
  );
}
