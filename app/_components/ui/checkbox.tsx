'use client';

import { Check, Minus } from 'lucide-react';
import { Checkbox as C } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';

/** `<Field inline label="Follow robots.txt"><Checkbox checked={v} onCheckedChange={(c) => setV(c === true)} /></Field>` */
export function Checkbox({ className, ...props }: ComponentProps<typeof C.Root>) {
  const wired = useFieldControl(props);
  return (
    <C.Root
      className={cn(
        'focus-ring peer grid size-4 shrink-0 place-items-center rounded-[4px] border border-input bg-surface shadow-xs transition-colors',
        'data-[state=checked]:border-accent data-[state=checked]:bg-accent data-[state=checked]:text-accent-foreground',
        'data-[state=indeterminate]:border-accent data-[state=indeterminate]:bg-accent data-[state=indeterminate]:text-accent-foreground',
        'aria-invalid:border-destructive disabled:cursor-not-allowed disabled:opacity-50',
        className,
      )}
      {...wired}
    >
      <C.Indicator className="group grid place-items-center">
        <Check aria-hidden className="size-3 group-data-[state=indeterminate]:hidden" strokeWidth={3} />
        <Minus aria-hidden className="hidden size-3 group-data-[state=indeterminate]:block" strokeWidth={3} />
      </C.Indicator>
    </C.Root>
  );
}
