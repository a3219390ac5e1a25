'use client';

import { Check, ChevronDown, ChevronUp } from 'lucide-react';
import { Select as S } from 'radix-ui';
import { type ComponentProps, useEffect, useState } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';
import { controlClasses } from './input';

/**
 * A listbox select (Radix): keyboard, typeahead and screen readers handled.
 *
 *   <Field label="Type">
 *     <Select value={type} onValueChange={setType}>
 *       <SelectTrigger><SelectValue placeholder="Any type" /></SelectTrigger>
 *       <SelectContent>
 *         <SelectItem value="technical">Technical</SelectItem>
 *       </SelectContent>
 *     </Select>
 *   </Field>
 *
 * An item's value cannot be '' (Radix reserves it for "nothing selected"); use a word such as 'any'.
 */
export function Select({ open, defaultOpen, onOpenChange, ...props }: ComponentProps<typeof S.Root>) {
  const [ownOpen, setOwnOpen] = useState(defaultOpen ?? false);
  const isOpen = open ?? ownOpen;
  // While open, Radix hides the rest of the page with aria-hidden but leaves it focusable, which axe reports
  // (aria-hidden-focus). Hidden content should not take focus either, so it is made inert for as long. Radix
  // marks the page a commit after this runs, hence the observer.
  useEffect(() => {
    if (!isOpen) return;
    const made = new Set<HTMLElement>();
    const mark = () => {
      for (const el of document.querySelectorAll<HTMLElement>('[data-aria-hidden="true"]:not([inert])')) {
        el.inert = true;
        made.add(el);
      }
    };
    mark();
    const observer = new MutationObserver(mark);
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-aria-hidden'] });
    return () => {
      observer.disconnect();
      for (const el of made) el.inert = false;
    };
  }, [isOpen]);
  return (
    <S.Root
      open={open}
      defaultOpen={defaultOpen}
      onOpenChange={(next) => {
        setOwnOpen(next);
        onOpenChange?.(next);
      }}
      {...props}
    />
  );
}
export const SelectGroup = S.Group;
export const SelectValue = S.Value;

export function SelectTrigger({ className, children, ...props }: ComponentProps<typeof S.Trigger>) {
  const wired = useFieldControl(props);
  return (
    <S.Trigger
      className={cn(
        controlClasses,
        'flex h-8 items-center justify-between gap-2 px-2.5 text-left data-[placeholder]:text-muted-foreground [&>span]:truncate',
        className,
      )}
      {...wired}
    >
      {children}
      <S.Icon asChild>
        <ChevronDown aria-hidden className="size-4 shrink-0 text-muted-foreground" />
      </S.Icon>
    </S.Trigger>
  );
}

export const popoverSurface = 'z-50 rounded-lg border border-border bg-surface text-foreground shadow-lg animate-pop-in';

export function SelectContent({ className, children, position = 'popper', ...props }: ComponentProps<typeof S.Content>) {
  return (
    <S.Portal>
      <S.Content
        position={position}
        sideOffset={4}
        className={cn(
          popoverSurface,
          'relative max-h-(--radix-select-content-available-height) min-w-32 overflow-hidden',
          position === 'popper' && 'w-full min-w-(--radix-select-trigger-width)',
          className,
        )}
        {...props}
      >
        <S.ScrollUpButton className="flex h-6 items-center justify-center text-muted-foreground">
          <ChevronUp aria-hidden className="size-4" />
        </S.ScrollUpButton>
        <S.Viewport className="p-1">{children}</S.Viewport>
        <S.ScrollDownButton className="flex h-6 items-center justify-center text-muted-foreground">
          <ChevronDown aria-hidden className="size-4" />
        </S.ScrollDownButton>
      </S.Content>
    </S.Portal>
  );
}

export const menuItemClasses = cn(
  'relative flex min-h-7 cursor-default select-none items-center gap-2 rounded-md px-2 py-1 text-sm outline-none',
  'data-[highlighted]:bg-muted data-[disabled]:pointer-events-none data-[disabled]:opacity-50',
  "[&_svg]:pointer-events-none [&_svg]:shrink-0 [&_svg:not([class*='size-'])]:size-4 [&_svg:not([class*='text-'])]:text-muted-foreground",
);

export function SelectItem({ className, children, ...props }: ComponentProps<typeof S.Item>) {
  return (
    <S.Item className={cn(menuItemClasses, 'pr-8', className)} {...props}>
      <S.ItemText>{children}</S.ItemText>
      <S.ItemIndicator className="absolute right-2 inline-flex">
        <Check aria-hidden className="size-4 text-accent-text" />
      </S.ItemIndicator>
    </S.Item>
  );
}

export function SelectLabel({ className, ...props }: ComponentProps<typeof S.Label>) {
  return <S.Label className={cn('px-2 py-1 text-xs font-medium text-muted-foreground', className)} {...props} />;
}

export function SelectSeparator({ className, ...props }: ComponentProps<typeof S.Separator>) {
  return <S.Separator className={cn('-mx-1 my-1 h-px bg-border', className)} {...props} />;
}
