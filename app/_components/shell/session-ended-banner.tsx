'use client';

import { LogIn } from 'lucide-react';
import { createPortal } from 'react-dom';
import { useSessionEnded } from '../../_lib/session-ended';

/**
 * Shown instead of leaving for the sign-in page when the session ends while
 * someone is typing. In a portal on <body>, so an open dialog's aria-hidden
 * does not hide it; pointer events on, as a modal dialog turns them off
 * elsewhere. Signing in returns to this page (and reopens a dialog named in
 * its URL, which restores its draft).
 */
export function SessionEndedBanner() {
  const href = useSessionEnded();
  if (!href) return null;
  return createPortal(
    <div
      role="alert"
      data-testid="session-ended"
      className="pointer-events-auto fixed inset-x-3 top-3 z-[100] mx-auto flex max-w-lg flex-wrap items-center gap-x-3 gap-y-2 rounded-lg border border-warning/40 bg-warning-subtle px-4 py-3 text-sm text-foreground shadow-lg"
    >
      <p className="min-w-0 flex-1">
        <span className="font-medium">Your session ended — sign in again.</span>{' '}
        <span className="text-muted-foreground">This page stays as it is until you do; you come back to it after signing in.</span>
      </p>
      {/* A full load, not a client navigation: the sign-in page is outside the dashboard. */}
      <a
        href={href}
        className="focus-ring inline-flex h-8 shrink-0 items-center gap-1.5 rounded-md bg-accent px-3 font-medium text-accent-foreground hover:bg-accent/90"
      >
        <LogIn aria-hidden className="size-4" /> Sign in
      </a>
    </div>,
    document.body,
  );
}
