'use client';

import { ChevronLeft, ChevronRight } from 'lucide-react';
import { cn } from '../../_lib/cn';
import { IconButton } from './icon-button';

const integer = new Intl.NumberFormat('en');

/**
 * Previous and next through a server-paged list, with where you are:
 *
 *   <Pagination total={page.total} offset={offset} limit={50} onChange={setOffset} label="Sources" />
 *
 * Renders nothing when everything fits on one page.
 */
export function Pagination({
  total,
  offset,
  limit,
  onChange,
  label,
  className,
}: {
  total: number;
  offset: number;
  limit: number;
  onChange: (offset: number) => void;
  /** What is paged, for the buttons' names ("Sources" → "Previous page of sources"). */
  label: string;
  className?: string;
}) {
  if (total <= limit && offset === 0) return null;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const what = label.toLowerCase();
  return (
    <nav aria-label={`${label} pages`} className={cn('flex items-center justify-between gap-4 text-sm text-muted-foreground', className)}>
      <p className="tabular-nums">
        <span className="font-medium text-foreground">
          {integer.format(first)}–{integer.format(last)}
        </span>{' '}
        of {integer.format(total)}
      </p>
      <div className="flex items-center gap-1">
        <span className="mr-2 tabular-nums">
          Page {integer.format(page)} of {integer.format(pages)}
        </span>
        <IconButton
          icon={ChevronLeft}
          variant="secondary"
          label={`Previous page of ${what}`}
          disabled={offset === 0}
          onClick={() => onChange(Math.max(0, offset - limit))}
        />
        <IconButton
          icon={ChevronRight}
          variant="secondary"
          label={`Next page of ${what}`}
          disabled={last >= total}
          onClick={() => onChange(offset + limit)}
        />
      </div>
    </nav>
  );
}
