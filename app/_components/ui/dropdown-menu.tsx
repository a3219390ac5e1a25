'use client';

import { Check, ChevronRight, Circle } from 'lucide-react';
import { DropdownMenu as M } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { menuItemClasses, popoverSurface } from './select';

/**
 * A menu of actions (Radix: arrow keys, typeahead, focus return):
 *
 *   <DropdownMenu>
 *     <DropdownMenuTrigger asChild><IconButton icon={MoreHorizontal} label="Source actions" /></DropdownMenuTrigger>
 *     <DropdownMenuContent align="end">
 *       <DropdownMenuItem onSelect={refresh}><RefreshCw /> Refresh now</DropdownMenuItem>
 *       <DropdownMenuSeparator />
 *       <DropdownMenuItem variant="destructive" onSelect={() => setConfirming(true)}><Trash2 /> Delete…</DropdownMenuItem>
 *     </DropdownMenuContent>
 *   </DropdownMenu>
 *
 * To open a dialog from an item, set state in onSelect and render the dialog outside the menu.
 */
export function DropdownMenu({ modal = false, ...props }: ComponentProps<typeof M.Root>) {
  // Not modal by default: a modal menu hides the rest of the page with aria-hidden while leaving it focusable,
  // which axe reports (aria-hidden-focus). Focus still moves into the menu and returns to the trigger.
  return <M.Root modal={modal} {...props} />;
}
export const DropdownMenuTrigger = M.Trigger;
export const DropdownMenuGroup = M.Group;
export const DropdownMenuSub = M.Sub;
export const DropdownMenuRadioGroup = M.RadioGroup;

export function DropdownMenuContent({ className, sideOffset = 4, ...props }: ComponentProps<typeof M.Content>) {
  return (
    <M.Portal>
      <M.Content sideOffset={sideOffset} className={cn(popoverSurface, 'min-w-44 overflow-hidden p-1', className)} {...props} />
    </M.Portal>
  );
}

export function DropdownMenuItem({
  className,
  variant = 'default',
  ...props
}: ComponentProps<typeof M.Item> & { variant?: 'default' | 'destructive' }) {
  return (
    <M.Item
      className={cn(
        menuItemClasses,
        variant === 'destructive' && 'text-destructive-text data-[highlighted]:bg-destructive-subtle [&_svg]:!text-destructive-text',
        className,
      )}
      {...props}
    />
  );
}

export function DropdownMenuCheckboxItem({ className, children, ...props }: ComponentProps<typeof M.CheckboxItem>) {
  return (
    <M.CheckboxItem className={cn(menuItemClasses, 'pl-7', className)} {...props}>
      <M.ItemIndicator className="absolute left-2 inline-flex">
        <Check aria-hidden className="size-4 text-foreground" />
      </M.ItemIndicator>
      {children}
    </M.CheckboxItem>
  );
}

export function DropdownMenuRadioItem({ className, children, ...props }: ComponentProps<typeof M.RadioItem>) {
  return (
    <M.RadioItem className={cn(menuItemClasses, 'pl-7', className)} {...props}>
      <M.ItemIndicator className="absolute left-2.5 inline-flex">
        <Circle aria-hidden className="size-2 fill-current text-accent-text" />
      </M.ItemIndicator>
      {children}
    </M.RadioItem>
  );
}

export function DropdownMenuLabel({ className, ...props }: ComponentProps<typeof M.Label>) {
  return <M.Label className={cn('px-2 py-1.5 text-xs font-medium text-muted-foreground', className)} {...props} />;
}

export function DropdownMenuSeparator({ className, ...props }: ComponentProps<typeof M.Separator>) {
  return <M.Separator className={cn('-mx-1 my-1 h-px bg-border', className)} {...props} />;
}

/** Keys shown at the end of an item; the menu does not bind them, the page does. */
export function DropdownMenuShortcut({ className, ...props }: ComponentProps<'span'>) {
  return <span className={cn('ml-auto pl-4 text-xs tracking-widest text-muted-foreground', className)} {...props} />;
}

export function DropdownMenuSubTrigger({ className, children, ...props }: ComponentProps<typeof M.SubTrigger>) {
  return (
    <M.SubTrigger className={cn(menuItemClasses, 'data-[state=open]:bg-muted', className)} {...props}>
      {children}
      <ChevronRight aria-hidden className="ml-auto size-4" />
    </M.SubTrigger>
  );
}

export function DropdownMenuSubContent({ className, ...props }: ComponentProps<typeof M.SubContent>) {
  return (
    <M.Portal>
      <M.SubContent className={cn(popoverSurface, 'min-w-36 overflow-hidden p-1', className)} {...props} />
    </M.Portal>
  );
}
