'use client';

import { Switch as S } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';

/** An on/off setting that applies at once. For a choice submitted with a form, prefer Checkbox. */
export function Switch({ className, ...props }: ComponentProps<typeof S.Root>) {
  const wired = useFieldControl(props);
  return (
    <S.Root
      className={cn(
        'focus-ring inline-flex h-[18px] w-8 shrink-0 items-center rounded-full border border-transparent bg-input p-px shadow-xs transition-colors',
        'data-[state=checked]:bg-accent disabled:cursor-not-allowed disabled:opacity-50',
        className,
      )}
      {...wired}
    >
      <S.Thumb className="block size-3.5 rounded-full bg-white shadow-sm transition-transform data-[state=checked]:translate-x-3.5" />
    </S.Root>
  );
}
