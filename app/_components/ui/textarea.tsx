'use client';

import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';
import { controlClasses } from './input';

export function Textarea({ className, rows = 4, ...props }: ComponentProps<'textarea'>) {
  const wired = useFieldControl(props);
  return <textarea rows={rows} className={cn(controlClasses, 'min-h-16 px-2.5 py-1.5 leading-5', className)} {...wired} />;
}
