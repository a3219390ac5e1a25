'use client';

import { useRouter } from 'next/navigation';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { Dialog, DialogBody, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../ui/dialog';
import { Keys } from '../ui/kbd';
import { ACCOUNT_LINKS, NAV } from './nav';

const ShortcutsContext = createContext<() => void>(() => {});

/** Opens the keyboard shortcuts dialog (the user menu has an item for it; `?` opens it too). */
export const useOpenShortcuts = () => useContext(ShortcutsContext);

const GO: { key: string; href: string; label: string }[] = [...NAV, ...ACCOUNT_LINKS];

/** Typing into a field, or a menu or dialog has the keys: shortcuts stay out of the way. */
function ignored(e: KeyboardEvent): boolean {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return true;
  const el = e.target as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return true;
  return Boolean(el.closest('[role=dialog],[role=alertdialog],[role=menu],[role=listbox]'));
}

/**
 * Dashboard-wide keys: `g` then a letter goes to a section (`g k` Knowledge),
 * `/` focuses the page's search box (an element with `data-slash-focus`) or
 * opens Search, and `?` lists them all.
 */
export function ShortcutsProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const pendingG = useRef<number | null>(null);
  const openDialog = useCallback(() => setOpen(true), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (ignored(e)) return;
      if (pendingG.current !== null) {
        window.clearTimeout(pendingG.current);
        pendingG.current = null;
        const target = GO.find((g) => g.key === e.key.toLowerCase());
        if (target) {
          e.preventDefault();
          router.push(target.href);
        }
        return;
      }
      if (e.key === 'g' && !e.shiftKey) {
        pendingG.current = window.setTimeout(() => {
          pendingG.current = null;
        }, 1_200);
      } else if (e.key === '?') {
        e.preventDefault();
        setOpen(true);
      } else if (e.key === '/') {
        e.preventDefault();
        const box = document.querySelector<HTMLElement>('[data-slash-focus]');
        if (box) box.focus();
        else router.push('/search');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [router]);

  return (
    <ShortcutsContext value={openDialog}>
      {children}
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent size="sm">
          <DialogHeader>
            <DialogTitle>Keyboard shortcuts</DialogTitle>
            <DialogDescription>Available anywhere in the dashboard, except while typing.</DialogDescription>
          </DialogHeader>
          <DialogBody className="pb-5">
            <dl className="grid grid-cols-[1fr_auto] gap-x-6 gap-y-2 text-sm">
              {GO.map((g) => (
                <div key={g.href} className="contents">
                  <dt>Go to {g.label}</dt>
                  <dd>
                    <Keys keys={['G', g.key.toUpperCase()]} />
                  </dd>
                </div>
              ))}
              <dt>Search</dt>
              <dd>
                <Keys keys={['/']} />
              </dd>
              <dt>Show shortcuts</dt>
              <dd>
                <Keys keys={['?']} />
              </dd>
            </dl>
          </DialogBody>
        </DialogContent>
      </Dialog>
    </ShortcutsContext>
  );
}
