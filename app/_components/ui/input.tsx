'use client';

import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';

/** Shared by Input, Textarea and SelectTrigger, so every control has the same border, focus and invalid look. */
export const controlClasses = cn(
  'w-full min-w-0 rounded-md border border-input bg-surface text-sm text-foreground shadow-xs outline-none',
  'transition-[border-color,box-shadow] duration-100 placeholder:text-muted-foreground',
  'focus-visible:border-ring focus-visible:ring-3 focus-visible:ring-ring/25',
  'aria-invalid:border-destructive aria-invalid:focus-visible:ring-destructive/25',
  'disabled:cursor-not-allowed disabled:opacity-50',
);

export function Input({ className, type = 'text', ...props }: ComponentProps<'input'>) {
  const wired = useFieldControl(props);
  return (
    <input
      type={type}
      className={cn(
        controlClasses,
        'h-8 px-2.5 file:mr-2 file:border-0 file:bg-transparent file:text-sm file:font-medium file:text-foreground',
        className,
      )}
      {...wired}
    />
  );
}
