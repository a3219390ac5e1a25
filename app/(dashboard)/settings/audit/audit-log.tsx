'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, ScrollText, X } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
import { EmptyState } from '../../../_components/ui/empty-state';
import { ErrorState } from '../../../_components/ui/error-state';
import { Field } from '../../../_components/ui/field';
import { Input } from '../../../_components/ui/input';
import { RelativeTime } from '../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { TableSkeleton } from '../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../_components/ui/table';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';

type Action = RouterOutputs['users']['audit']['items'][number]['action'];

/** Every action the log records (server/schemas/audit.ts), worded for people; the type makes sure none is missing. */
const ACTIONS: Record<Action, { label: string; tone: 'neutral' | 'accent' | 'warning' | 'destructive' | 'success' }> = {
  'auth.setup': { label: 'Owner created', tone: 'accent' },
  'auth.login': { label: 'Signed in', tone: 'neutral' },
  'auth.login_failed': { label: 'Sign-in failed', tone: 'warning' },
  'auth.logout': { label: 'Signed out', tone: 'neutral' },
  'user.invited': { label: 'Invited', tone: 'accent' },
  'user.invitation_revoked': { label: 'Invitation withdrawn', tone: 'neutral' },
  'user.joined': { label: 'Joined', tone: 'success' },
  'user.role_changed': { label: 'Role changed', tone: 'accent' },
  'user.disabled': { label: 'Account disabled or enabled', tone: 'warning' },
  'api_key.created': { label: 'API key created', tone: 'neutral' },
  'api_key.revoked': { label: 'API key revoked', tone: 'warning' },
  'source.deleted': { label: 'Source deleted', tone: 'destructive' },
  'settings.changed': { label: 'Settings changed', tone: 'accent' },
};
const PAGE_SIZE = 50;
const ANY = 'any';

// The dates the server takes (server/schemas/common.ts): the years 1 to 9999.
const FIRST = Date.parse('0001-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');
const LAST_DAY = '9999-12-31';

/**
 * A yyyy-mm-dd date field's value as the start of that day in the browser's time zone, kept within the years the
 * server takes: the end of the last day (the start of the day after it) or the first day's start east of UTC fall
 * outside, and were refused as 'Check the input' in place of the log.
 */
const startOfDay = (value: string, plusDays = 0) => {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setDate(d.getDate() + plusDays);
  return new Date(Math.min(LAST, Math.max(FIRST, d.getTime())));
};

/** A record's details as short "key: value" pairs (the server already dropped anything secret). */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

/**
 * The audit log, newest first, behind filters (action, who, a date range) and
 * paged 50 at a time; the previous page stays on screen, dimmed, while the
 * next one loads.
 */
export function AuditLog() {
  const trpc = useTRPC();
  const [action, setAction] = useState<Action | typeof ANY>(ANY);
  const [actor, setActor] = useState<string>(ANY);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [page, setPage] = useState(0);
  const users = useQuery(trpc.users.list.queryOptions());
  const rangeProblem = from && to && from > to ? 'The start is after the end' : undefined;

  const input = {
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
    ...(action !== ANY ? { action } : {}),
    ...(actor !== ANY ? { actorUserId: actor } : {}),
    ...(from && !rangeProblem ? { after: startOfDay(from) } : {}),
    // The end day is included: entries before the start of the next day.
    ...(to && !rangeProblem ? { before: startOfDay(to, 1) } : {}),
  };
  const log = useQuery({ ...trpc.users.audit.queryOptions(input), placeholderData: keepPreviousData });
  const filtered = action !== ANY || actor !== ANY || from !== '' || to !== '';
  const reset = (fn: () => void) => {
    fn();
    setPage(0);
  };
  const clearFilters = () =>
    reset(() => {
      setAction(ANY);
      setActor(ANY);
      setFrom('');
      setTo('');
    });

  let body: ReactNode;
  if (log.isPending) body = <TableSkeleton rows={8} columns={6} label="Loading the audit log" />;
  else if (log.isError) body = <ErrorState error={log.error} onRetry={() => log.refetch()} />;
  else if (log.data.items.length === 0) {
    body = (
      <EmptyState
        icon={ScrollText}
        title={filtered ? 'Nothing matches these filters' : 'Nothing recorded yet'}
        description={
          filtered
            ? 'Widen the date range or clear a filter.'
            : 'Sign-ins, invitations, role changes, API keys, source deletions and settings changes are recorded here.'
        }
        action={filtered ? <Button onClick={() => clearFilters()}>Clear filters</Button> : undefined}
      />
    );
  } else {
    const { items, total, offset } = log.data;
    body = (
      <>
        <Table aria-label="Audit log" data-testid="audit-log" containerClassName={log.isPlaceholderData ? 'opacity-60' : undefined}>
          <TableHeader>
            <TableRow>
              <TableHead className="w-32">When</TableHead>
              <TableHead>What</TableHead>
              <TableHead>Who</TableHead>
              <TableHead>About</TableHead>
              <TableHead>Details</TableHead>
              <TableHead>Address</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((e) => {
              const meta = ACTIONS[e.action] ?? { label: e.action, tone: 'neutral' as const };
              const details = detailsText(e.details);
              return (
                <TableRow key={e.id} data-action={e.action}>
                  <TableCell className="text-muted-foreground">
                    <RelativeTime date={e.createdAt} />
                  </TableCell>
                  <TableCell>
                    <Badge variant={meta.tone}>{meta.label}</Badge>
                  </TableCell>
                  <TableCell className="max-w-48">
                    <span className="block truncate">{e.actorEmail ?? (e.actorKeyPrefix ? '' : 'Nobody signed in')}</span>
                    {e.actorKeyPrefix && <span className="block font-mono text-xs text-muted-foreground">key {e.actorKeyPrefix}_…</span>}
                  </TableCell>
                  <TableCell className="max-w-56 truncate">{e.target ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell className="max-w-80 text-xs text-muted-foreground">
                    <span className="line-clamp-2 break-words" title={details || undefined}>
                      {details || '—'}
                    </span>
                  </TableCell>
                  <TableCell className="whitespace-nowrap font-mono text-xs text-muted-foreground">{e.ip ?? '—'}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
        <nav aria-label="Audit log pages" className="mt-3 flex items-center justify-between gap-3 text-sm">
          <p className="tabular-nums text-muted-foreground" aria-live="polite">
            {offset + 1}–{offset + items.length} of {total.toLocaleString()}
          </p>
          <div className="flex gap-2">
            <Button size="sm" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
              <ChevronLeft aria-hidden /> Newer
            </Button>
            <Button size="sm" disabled={offset + items.length >= total} onClick={() => setPage((p) => p + 1)}>
              Older <ChevronRight aria-hidden />
            </Button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <div className="grid gap-4">
      <div className="grid gap-3 rounded-xl border border-border bg-surface p-3 shadow-xs sm:grid-cols-[1fr_1fr_auto_auto_auto] sm:items-end">
        <Field label="Action">
          <Select value={action} onValueChange={(v) => reset(() => setAction(v as Action))}>
            <SelectTrigger>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANY}>Any action</SelectItem>
              {(Object.keys(ACTIONS) as Action[]).map((a) => (
                <SelectItem key={a} value={a}>
                  {ACTIONS[a].label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <Field label="Who">
          <Select value={actor} onValueChange={(v) => reset(() => setActor(v))}>
            <SelectTrigger>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANY}>Anyone</SelectItem>
              {(users.data ?? []).map((u) => (
                <SelectItem key={u.id} value={u.id}>
                  {u.name ? `${u.name} (${u.email})` : u.email}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <Field label="From" error={rangeProblem}>
          <Input type="date" value={from} max={to || LAST_DAY} onChange={(e) => reset(() => setFrom(e.target.value))} className="sm:w-40" />
        </Field>
        <Field label="To">
          <Input
            type="date"
            value={to}
            min={from || undefined}
            max={LAST_DAY}
            onChange={(e) => reset(() => setTo(e.target.value))}
            className="sm:w-40"
          />
        </Field>
        <Button variant="ghost" disabled={!filtered} onClick={() => clearFilters()}>
          <X aria-hidden /> Clear
        </Button>
      </div>
      {body}
    </div>
  );
}
