'use client';

import { Popover as P } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { popoverSurface } from './select';

/** Non-modal floating content (filters, pickers): `<Popover><PopoverTrigger asChild>…</PopoverTrigger><PopoverContent>…</PopoverContent></Popover>`. */
export const Popover = P.Root;
export const PopoverTrigger = P.Trigger;
export const PopoverAnchor = P.Anchor;
export const PopoverClose = P.Close;

export function PopoverContent({ className, align = 'start', sideOffset = 6, ...props }: ComponentProps<typeof P.Content>) {
  return (
    <P.Portal>
      <P.Content align={align} sideOffset={sideOffset} className={cn(popoverSurface, 'w-72 p-3 outline-none', className)} {...props} />
    </P.Portal>
  );
}
