'use client';

import { cn } from '../../_lib/cn';
import { type ConnectionState, useConnectionState } from '../../_lib/connection';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  reconnected: 'Reconnected',
};

const DOTS: Record<ConnectionState, string> = {
  connecting: 'bg-muted-foreground animate-pulse',
  connected: 'bg-success',
  reconnecting: 'bg-warning animate-pulse',
  reconnected: 'bg-success',
};

/**
 * The live connection, always visible in the sidebar: people know whether what
 * they see is current. Announced politely when it changes.
 */
export function ConnectionIndicator({ className, compact = false, testId }: { className?: string; compact?: boolean; testId?: string }) {
  const state = useConnectionState();
  return (
    <div
      role="status"
      data-testid={testId}
      data-state={state}
      className={cn(
        'inline-flex h-6 items-center gap-2 rounded-md px-1.5 text-xs font-medium text-muted-foreground',
        state === 'reconnecting' && 'text-warning-text',
        state === 'reconnected' && 'text-success-text',
        className,
      )}
    >
      <span aria-hidden className="relative flex size-2">
        {state === 'connected' && (
          <span className="absolute inset-0 rounded-full bg-success opacity-40 motion-safe:animate-ping [animation-iteration-count:1]" />
        )}
        <span className={cn('relative size-2 rounded-full', DOTS[state])} />
      </span>
      <span className={cn(compact && 'sr-only')}>{LABELS[state]}</span>
    </div>
  );
}
