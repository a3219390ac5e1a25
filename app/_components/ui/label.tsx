'use client';

import { Label as L } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';

export function Label({ className, ...props }: ComponentProps<typeof L.Root>) {
  return <L.Root className={cn('text-sm font-medium leading-5 text-foreground select-none', className)} {...props} />;
}
