'use client';

import { AlertDialog as A } from 'radix-ui';
import { type ComponentProps, type ReactNode, useRef, useState } from 'react';
import { cn } from '../../_lib/cn';
import { toastError } from '../../_lib/errors';
import { restoreFocus } from '../../_lib/focus-return';
import { Button, buttonVariants } from './button';

/** The parts, for a confirmation that needs more than ConfirmDialog gives. */
export const AlertDialog = A.Root;
export const AlertDialogTrigger = A.Trigger;

export function AlertDialogContent({ className, ...props }: ComponentProps<typeof A.Content>) {
  return (
    <A.Portal>
      {/* AlertDialog's own overlay: Dialog's throws outside a Dialog root. */}
      <A.Overlay className="fixed inset-0 z-50 bg-overlay backdrop-blur-[1px] animate-fade-in" />
      <A.Content
        className={cn(
          'fixed left-1/2 top-[20vh] z-50 grid w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 gap-4 rounded-xl border border-border bg-surface p-5 shadow-lg outline-none animate-pop-in',
          className,
        )}
        {...props}
      />
    </A.Portal>
  );
}

export function AlertDialogTitle({ className, ...props }: ComponentProps<typeof A.Title>) {
  return <A.Title className={cn('text-lg font-semibold tracking-tight', className)} {...props} />;
}

export function AlertDialogDescription({ className, ...props }: ComponentProps<typeof A.Description>) {
  return <A.Description className={cn('text-sm text-muted-foreground', className)} {...props} />;
}

export const AlertDialogCancel = A.Cancel;
export const AlertDialogAction = A.Action;

/**
 * "Are you sure?" done once: names what happens, focuses Cancel first, shows a
 * spinner while `onConfirm` runs, and stays open with a toast if it fails.
 *
 *   <ConfirmDialog
 *     title="Delete “React docs”?"
 *     description="Its 1,204 pages, 9,880 chunks and 312 code examples are removed. This cannot be undone."
 *     confirmLabel="Delete source"
 *     destructive
 *     onConfirm={() => remove.mutateAsync({ id })}
 *   >
 *     <Button variant="ghost">Delete</Button>
 *   </ConfirmDialog>
 *
 * Controlled use: pass `open`/`onOpenChange` and no children.
 */
export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  cancelLabel = 'Cancel',
  destructive = false,
  onConfirm,
  children,
  open,
  onOpenChange,
}: {
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  destructive?: boolean;
  onConfirm: () => unknown | Promise<unknown>;
  children?: ReactNode;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}) {
  const [ownOpen, setOwnOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const isOpen = open ?? ownOpen;
  const trigger = useRef<HTMLButtonElement>(null);
  const setOpen = (next: boolean) => {
    if (busy) return;
    setOwnOpen(next);
    onOpenChange?.(next);
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
      setBusy(false);
      setOwnOpen(false);
      onOpenChange?.(false);
    } catch (err) {
      setBusy(false);
      toastError(err);
    }
  };
  return (
    <A.Root open={isOpen} onOpenChange={setOpen}>
      {children && (
        <A.Trigger asChild ref={trigger}>
          {children}
        </A.Trigger>
      )}
      <AlertDialogContent
        onCloseAutoFocus={(e) => {
          // Radix gives focus back to the trigger while there is one.
          if (trigger.current?.isConnected) return;
          e.preventDefault();
          restoreFocus('alertdialog');
        }}
      >
        <div className="grid gap-1.5">
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </div>
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <A.Cancel className={buttonVariants({ variant: 'secondary' })} disabled={busy}>
            {cancelLabel}
          </A.Cancel>
          {/* Not A.Action: that would close the dialog before the work is done. */}
          <Button variant={destructive ? 'destructive' : 'primary'} loading={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </div>
      </AlertDialogContent>
    </A.Root>
  );
}
