import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { cn } from '../../_lib/cn';

/**
 * What a list or page shows when there is nothing yet: an icon, what would be
 * here, and the action that fills it. Say how to get started, not only "No data".
 *
 *   <EmptyState icon={BookOpen} title="No knowledge yet" description="Crawl a docs site or upload files…"
 *     action={<Button variant="primary">Add knowledge</Button>} />
 */
export function EmptyState({
  icon: Icon,
  title,
  description,
  action,
  children,
  className,
  headingLevel = 2,
}: {
  icon?: LucideIcon;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  children?: ReactNode;
  className?: string;
  /** 1 when the empty state is the whole page (not found), 3 inside a card. */
  headingLevel?: 1 | 2 | 3;
}) {
  const Heading = (['h1', 'h2', 'h3'] as const)[headingLevel - 1]!;
  return (
    <div className={cn('flex flex-col items-center rounded-xl border border-dashed border-border px-6 py-14 text-center', className)}>
      {Icon && (
        <div className="mb-4 grid size-10 place-items-center rounded-lg border border-border bg-surface shadow-xs">
          <Icon aria-hidden className="size-5 text-muted-foreground" />
        </div>
      )}
      <Heading className="text-base font-semibold">{title}</Heading>
      {description && <div className="mt-1 max-w-md text-sm text-muted-foreground">{description}</div>}
      {action && <div className="mt-5 flex flex-wrap items-center justify-center gap-2">{action}</div>}
      {children}
    </div>
  );
}
