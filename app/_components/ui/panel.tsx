'use client';

import { X } from 'lucide-react';
import { Dialog as D } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { DialogOverlay, returnFocus } from './dialog';

/**
 * A dialog that takes the right side of the screen, full height: for editing
 * one record beside the list it came from (a task next to its board). Same
 * parts and behaviour as Dialog (focus trap, Escape, focus return); every
 * panel needs a PanelTitle. Escape inside an element marked
 * `data-keeps-escape` (a field with unsaved edits, which uses Escape itself)
 * leaves the panel open.
 *
 *   <Panel open={open} onOpenChange={setOpen}>
 *     <PanelContent aria-describedby={undefined}>
 *       <PanelTitle>Write the spec</PanelTitle>
 *       …
 *     </PanelContent>
 *   </Panel>
 */
export const Panel = D.Root;
export const PanelTrigger = D.Trigger;
export const PanelClose = D.Close;
export const PanelDescription = D.Description;

export function PanelTitle({ className, ...props }: ComponentProps<typeof D.Title>) {
  return <D.Title className={cn('text-lg font-semibold tracking-tight', className)} {...props} />;
}

export function PanelContent({
  className,
  children,
  closeLabel = 'Close',
  onCloseAutoFocus,
  onEscapeKeyDown,
  ...props
}: ComponentProps<typeof D.Content> & { closeLabel?: string }) {
  return (
    <D.Portal>
      <DialogOverlay />
      <D.Content
        className={cn(
          'fixed inset-y-0 right-0 z-50 flex w-full max-w-3xl flex-col border-l border-border bg-surface text-foreground shadow-lg outline-none animate-fade-in sm:w-[min(48rem,calc(100vw-3rem))]',
          className,
        )}
        onCloseAutoFocus={(e) => {
          onCloseAutoFocus?.(e);
          returnFocus(e);
        }}
        onEscapeKeyDown={(e) => {
          onEscapeKeyDown?.(e);
          // Radix listens on the document before the field sees the key: a field's own Escape (putting back a change) must not also lose the panel.
          if (e.target instanceof Element && e.target.closest('[data-keeps-escape]')) e.preventDefault();
        }}
        {...props}
      >
        {children}
        <D.Close
          aria-label={closeLabel}
          className="focus-ring absolute right-3 top-3 grid size-7 place-items-center rounded-md text-muted-foreground hover:bg-muted hover:text-foreground"
        >
          <X aria-hidden className="size-4" />
        </D.Close>
      </D.Content>
    </D.Portal>
  );
}
