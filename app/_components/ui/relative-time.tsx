'use client';

import { cn } from '../../_lib/cn';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'long' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "3 minutes ago", "in 6 days", "just now": the distance from `now` in the largest unit that fits. */
export function formatRelative(date: Date | string | number, now = Date.now()): string {
  const t = new Date(date).getTime();
  const diff = t - now;
  if (Math.abs(diff) < 45_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'minute') return relative.format(Math.round(diff / ms), unit);
  }
  return exact.format(t);
}

export const formatDateTime = (date: Date | string | number) => exact.format(new Date(date));

/**
 * A time as people read it ("2 hours ago"), with the exact date and time on
 * hover and for machines (`<time dateTime>`). `fallback` when there is none.
 */
export function RelativeTime({
  date,
  fallback = '—',
  className,
}: {
  date: Date | string | number | null | undefined;
  fallback?: string;
  className?: string;
}) {
  if (date == null) return <span className={cn('text-muted-foreground', className)}>{fallback}</span>;
  const d = new Date(date);
  return (
    <time dateTime={d.toISOString()} title={formatDateTime(d)} className={cn('whitespace-nowrap', className)}>
      {formatRelative(d)}
    </time>
  );
}
