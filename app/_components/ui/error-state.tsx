'use client';

import { RotateCw, TriangleAlert } from 'lucide-react';
import { cn } from '../../_lib/cn';
import { describeError } from '../../_lib/errors';
import { Button } from './button';

/**
 * What a region shows when loading it failed: the friendly reason (errors.ts) and a retry.
 *
 *   if (sources.isError) return <ErrorState error={sources.error} onRetry={() => sources.refetch()} />;
 */
export function ErrorState({
  error,
  title,
  onRetry,
  className,
  compact = false,
  headingLevel = 2,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => unknown;
  className?: string;
  compact?: boolean;
  /** 1 when the error replaces the whole page (error.tsx). */
  headingLevel?: 1 | 2 | 3;
}) {
  const friendly = describeError(error);
  const Heading = (['h1', 'h2', 'h3'] as const)[headingLevel - 1]!;
  return (
    <div
      role="alert"
      className={cn(
        'flex flex-col items-center rounded-xl border border-border bg-surface text-center',
        compact ? 'px-4 py-6' : 'px-6 py-14',
        className,
      )}
    >
      <div className="mb-3 grid size-10 place-items-center rounded-lg bg-destructive-subtle">
        <TriangleAlert aria-hidden className="size-5 text-destructive-text" />
      </div>
      <Heading className="text-base font-semibold">{title ?? friendly.title}</Heading>
      <p className="mt-1 max-w-md text-sm text-muted-foreground">{friendly.message}</p>
      {onRetry && (
        <Button className="mt-4" onClick={() => void onRetry()}>
          <RotateCw aria-hidden /> Try again
        </Button>
      )}
    </div>
  );
}
