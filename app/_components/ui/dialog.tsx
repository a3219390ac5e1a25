'use client';

import { cva, type VariantProps } from 'class-variance-authority';
import { X } from 'lucide-react';
import { Dialog as D } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { restoreFocus } from '../../_lib/focus-return';

/**
 * A modal dialog (Radix: focus trap, Escape, scroll lock, focus return):
 *
 *   <Dialog open={open} onOpenChange={setOpen}>
 *     <DialogTrigger asChild><Button variant="primary">Add knowledge</Button></DialogTrigger>
 *     <DialogContent size="lg">
 *       <DialogHeader>
 *         <DialogTitle>Add knowledge</DialogTitle>
 *         <DialogDescription>Crawl a site or upload files.</DialogDescription>
 *       </DialogHeader>
 *       <DialogBody>…form…</DialogBody>
 *       <DialogFooter>
 *         <DialogClose asChild><Button>Cancel</Button></DialogClose>
 *         <Button variant="primary" type="submit">Start</Button>
 *       </DialogFooter>
 *     </DialogContent>
 *   </Dialog>
 *
 * Every dialog needs a DialogTitle; add a DialogDescription or pass aria-describedby={undefined}.
 */
export const Dialog = D.Root;
export const DialogTrigger = D.Trigger;
export const DialogClose = D.Close;
export const DialogPortal = D.Portal;

export function DialogOverlay({ className, ...props }: ComponentProps<typeof D.Overlay>) {
  return <D.Overlay className={cn('fixed inset-0 z-50 bg-overlay backdrop-blur-[1px] animate-fade-in', className)} {...props} />;
}

const contentVariants = cva(
  'fixed left-1/2 top-[12vh] z-50 flex max-h-[80vh] w-[calc(100vw-2rem)] -translate-x-1/2 flex-col rounded-xl border border-border bg-surface text-foreground shadow-lg outline-none animate-pop-in',
  { variants: { size: { sm: 'max-w-sm', md: 'max-w-lg', lg: 'max-w-2xl', xl: 'max-w-4xl' } }, defaultVariants: { size: 'md' } },
);

/**
 * A dialog's (or panel's) onCloseAutoFocus: Radix gives focus back to a DialogTrigger; a dialog opened otherwise
 * (from the URL, by a button of its own) left it on the body. This gives it to what opened it.
 */
export function returnFocus(e: Event) {
  if (e.defaultPrevented) return;
  const id = e.currentTarget instanceof HTMLElement ? e.currentTarget.id : '';
  if (id && document.querySelector(`[aria-controls="${CSS.escape(id)}"]`)?.isConnected) return;
  e.preventDefault();
  restoreFocus('dialog');
}

export function DialogContent({
  className,
  children,
  size,
  hideClose = false,
  onCloseAutoFocus,
  ...props
}: ComponentProps<typeof D.Content> & VariantProps<typeof contentVariants> & { hideClose?: boolean }) {
  return (
    <D.Portal>
      <DialogOverlay />
      <D.Content
        className={cn(contentVariants({ size }), className)}
        onCloseAutoFocus={(e) => {
          onCloseAutoFocus?.(e);
          returnFocus(e);
        }}
        {...props}
      >
        {children}
        {!hideClose && (
          <D.Close
            aria-label="Close"
            className="focus-ring absolute right-3 top-3 grid size-7 place-items-center rounded-md text-muted-foreground hover:bg-muted hover:text-foreground"
          >
            <X aria-hidden className="size-4" />
          </D.Close>
        )}
      </D.Content>
    </D.Portal>
  );
}

export function DialogHeader({ className, ...props }: ComponentProps<'div'>) {
  return <div className={cn('grid gap-1 px-5 pb-3 pr-12 pt-5', className)} {...props} />;
}

/** The scrolling middle of a dialog. */
export function DialogBody({ className, ...props }: ComponentProps<'div'>) {
  return <div className={cn('min-h-0 flex-1 overflow-y-auto px-5 py-2', className)} {...props} />;
}

export function DialogFooter({ className, ...props }: ComponentProps<'div'>) {
  return <div className={cn('mt-2 flex flex-col-reverse gap-2 border-t border-border px-5 py-3 sm:flex-row sm:justify-end', className)} {...props} />;
}

export function DialogTitle({ className, ...props }: ComponentProps<typeof D.Title>) {
  return <D.Title className={cn('text-lg font-semibold tracking-tight', className)} {...props} />;
}

export function DialogDescription({ className, ...props }: ComponentProps<typeof D.Description>) {
  return <D.Description className={cn('text-sm text-muted-foreground', className)} {...props} />;
}
