'use client';

import { Tooltip as T } from 'radix-ui';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../../_lib/cn';

/** Mounted once in the root providers; tooltips share its delay. */
export function TooltipProvider(props: ComponentProps<typeof T.Provider>) {
  return <T.Provider delayDuration={400} skipDelayDuration={200} {...props} />;
}

export function TooltipContent({ className, sideOffset = 6, children, ...props }: ComponentProps<typeof T.Content>) {
  return (
    <T.Portal>
      <T.Content
        sideOffset={sideOffset}
        className={cn(
          'z-50 flex max-w-xs items-center gap-2 rounded-md bg-foreground px-2 py-1 text-xs font-medium text-background shadow-md animate-fade-in',
          className,
        )}
        {...props}
      >
        {children}
      </T.Content>
    </T.Portal>
  );
}

/**
 * A hint on hover and keyboard focus: `<Tooltip content="Copy">{button}</Tooltip>`. A tooltip
 * only repeats or extends a visible name; anything people need must be on the page too.
 */
export function Tooltip({
  content,
  children,
  side,
  align,
}: {
  content: ReactNode;
  children: ReactNode;
  side?: ComponentProps<typeof T.Content>['side'];
  align?: ComponentProps<typeof T.Content>['align'];
}) {
  return (
    <T.Root>
      <T.Trigger asChild>{children}</T.Trigger>
      <TooltipContent side={side} align={align}>
        {content}
      </TooltipContent>
    </T.Root>
  );
}
