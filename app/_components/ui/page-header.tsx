import { ChevronRight } from 'lucide-react';
import Link from 'next/link';
import { Fragment, type ReactNode } from 'react';
import { cn } from '../../_lib/cn';

export type Crumb = { label: string; href?: string };

/**
 * The top of every dashboard page: the page's h1, a one-line description, the
 * page's actions on the right, and breadcrumbs for pages below a section.
 *
 *   <PageHeader title="Knowledge" description="Sources your agents can search."
 *     actions={<Button variant="primary">Add knowledge</Button>} />
 */
export function PageHeader({
  title,
  description,
  actions,
  breadcrumbs,
  className,
}: {
  /** The page's h1. Leave out only when the content brings its own h1 (the page viewer). */
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumbs?: Crumb[];
  className?: string;
}) {
  return (
    <header className={cn('mb-6 flex flex-col gap-3', className)}>
      {breadcrumbs && breadcrumbs.length > 0 && (
        <nav aria-label="Breadcrumb">
          <ol className="flex flex-wrap items-center gap-1 text-sm text-muted-foreground">
            {breadcrumbs.map((c, i) => (
              <Fragment key={c.href ?? c.label}>
                {i > 0 && (
                  <li aria-hidden>
                    <ChevronRight className="size-3.5" />
                  </li>
                )}
                <li className="min-w-0 truncate">
                  {c.href ? (
                    <Link href={c.href} className="focus-ring rounded-sm hover:text-foreground hover:underline">
                      {c.label}
                    </Link>
                  ) : (
                    <span aria-current="page" className="text-foreground">
                      {c.label}
                    </span>
                  )}
                </li>
              </Fragment>
            ))}
          </ol>
        </nav>
      )}
      {(title != null || actions) && (
        <div className="flex flex-wrap items-start justify-between gap-x-6 gap-y-3">
          <div className="min-w-0">
            {title != null && <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>}
            {description && <p className="mt-1 text-base text-muted-foreground">{description}</p>}
          </div>
          {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
        </div>
      )}
    </header>
  );
}
