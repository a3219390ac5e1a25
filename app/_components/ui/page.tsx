import type { ReactNode } from 'react';
import { cn } from '../../_lib/cn';

const OUTER = { narrow: 'max-w-6xl', default: 'max-w-6xl', wide: 'max-w-[1600px]', full: 'max-w-none' } as const;

/**
 * The frame of every dashboard page: padding and a readable width.
 * `narrow` for forms and reading (settings, the page viewer), `default` for
 * lists, `wide`/`full` for boards and big tables.
 *
 *   export default function JobsPage() {
 *     return <Page><PageHeader title="Jobs" /> … </Page>;
 *   }
 */
export function Page({ width = 'default', className, children }: { width?: keyof typeof OUTER; className?: string; children: ReactNode }) {
  // Narrow pages keep the same left edge as the others, so titles do not jump when moving between sections.
  return (
    <div className={cn('mx-auto w-full px-4 pb-16 pt-6 sm:px-8 sm:pt-8', OUTER[width])}>
      <div className={cn(width === 'narrow' && 'max-w-3xl', className)}>{children}</div>
    </div>
  );
}
