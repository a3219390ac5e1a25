'use client';

import { Progress as P } from 'radix-ui';
import { cn } from '../../_lib/cn';

/**
 * A progress bar. `value` null means "working, amount unknown" (an animated
 * stripe). `label` is required: it names the bar for screen readers
 * ("Crawl of react.dev"); put visible numbers next to it yourself.
 */
export function Progress({
  value,
  max = 100,
  label,
  tone = 'accent',
  className,
}: {
  value: number | null;
  max?: number;
  label: string;
  tone?: 'accent' | 'success' | 'warning' | 'destructive';
  className?: string;
}) {
  const pct = value == null ? null : Math.max(0, Math.min(100, (value / (max || 1)) * 100));
  const fill = { accent: 'bg-accent', success: 'bg-success', warning: 'bg-warning', destructive: 'bg-destructive' }[tone];
  return (
    <P.Root
      value={value == null ? null : Math.min(value, max)}
      max={max}
      aria-label={label}
      className={cn('relative h-1.5 w-full overflow-hidden rounded-full bg-muted', className)}
    >
      <P.Indicator
        className={cn('h-full rounded-full transition-[width] duration-300 ease-out', fill, pct == null && 'w-1/3 animate-pulse')}
        style={pct == null ? undefined : { width: `${pct}%` }}
      />
    </P.Root>
  );
}
