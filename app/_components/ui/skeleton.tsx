import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';

/** A placeholder block in the shape of what is loading. Hidden from screen readers; say "Loading…" once per region instead. */
export function Skeleton({ className, ...props }: ComponentProps<'div'>) {
  return <div aria-hidden data-skeleton="" className={cn('animate-pulse rounded-md bg-muted', className)} {...props} />;
}

/** Lines of text, the last one shorter. */
export function SkeletonText({ lines = 3, className }: { lines?: number; className?: string }) {
  return (
    <div aria-hidden className={cn('grid gap-2', className)}>
      {Array.from({ length: lines }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <Skeleton key={i} className={cn('h-3.5', i === lines - 1 ? 'w-3/5' : 'w-full')} />
      ))}
    </div>
  );
}

/** A table-shaped placeholder with a visually hidden "Loading" for screen readers. */
export function TableSkeleton({ rows = 6, columns = 4, label = 'Loading' }: { rows?: number; columns?: number; label?: string }) {
  return (
    <div role="status" className="overflow-hidden rounded-xl border border-border bg-surface">
      <span className="sr-only">{label}</span>
      <div aria-hidden className="flex gap-6 border-b border-border bg-muted/50 px-4 py-2.5">
        {Array.from({ length: columns }, (_, c) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
          <Skeleton key={c} className={cn('h-3', c === 0 ? 'w-40' : 'w-20')} />
        ))}
      </div>
      {Array.from({ length: rows }, (_, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <div key={r} aria-hidden className="flex items-center gap-6 border-b border-border px-4 py-3 last:border-b-0">
          {Array.from({ length: columns }, (_, c) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
            <Skeleton key={c} className={cn('h-3.5', c === 0 ? 'w-56' : 'w-16')} style={{ opacity: 1 - r * 0.1 }} />
          ))}
        </div>
      ))}
    </div>
  );
}
