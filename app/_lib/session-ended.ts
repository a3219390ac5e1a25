'use client';

import { useSyncExternalStore } from 'react';

/**
 * A session that ended while someone was typing (a dialog with a form open, a
 * focused field): rather than leave the page at once and lose the input, the
 * dashboard says so and lets them sign in again when they are ready. Forms
 * that keep drafts (the crawl form) keep them while this is set.
 */
let ended: string | null = null;
const listeners = new Set<() => void>();

/** Records that the session ended on the page at `loginHref`'s `next`, and shows the banner. */
export function markSessionEnded(loginHref: string) {
  if (ended) return;
  ended = loginHref;
  for (const l of listeners) l();
}

/** The sign-in address that returns to the page, once the session has ended; null while signed in. */
export const sessionEndedHref = () => ended;

export function useSessionEnded(): string | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => ended,
    () => null,
  );
}

/** Whether leaving the page now would lose what someone typed: a dialog with fields is open, or a field has focus. */
export function hasUnsavedInput(): boolean {
  if (typeof document === 'undefined') return false;
  if (document.querySelector('[role=dialog] :is(input, textarea, [contenteditable=true]), [role=alertdialog] :is(input, textarea)')) return true;
  const active = document.activeElement;
  return Boolean(active && (active.matches('input, textarea, select') || (active as HTMLElement).isContentEditable));
}
