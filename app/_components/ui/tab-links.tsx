'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { cn } from '../../_lib/cn';

export type TabLink = { href: string; label: ReactNode; testId?: string };

/**
 * Tabs that are pages: a row of links with the underline look of `Tabs`, the
 * current one marked `aria-current="page"`. For sections with their own URLs
 * (a project's board, table and documents), where each tab is a route the
 * browser's back button and a shared link can reach; Tabs is for sections of one page.
 *
 *   <TabLinks label="Project sections" tabs={[{ href: `/projects/${id}/board`, label: 'Board' }, …]} />
 */
export function TabLinks({ label, tabs, className }: { label: string; tabs: readonly TabLink[]; className?: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className={cn('flex w-full items-center gap-4 overflow-x-auto border-b border-border', className)}>
      {tabs.map((t) => {
        const current = pathname === t.href || pathname.startsWith(`${t.href}/`);
        return (
          <Link
            key={t.href}
            href={t.href}
            aria-current={current ? 'page' : undefined}
            data-testid={t.testId}
            className={cn(
              'focus-ring -mb-px inline-flex h-9 items-center gap-1.5 whitespace-nowrap border-b-2 border-transparent px-0.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground [&_svg]:size-4',
              current && 'border-accent text-foreground',
            )}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
