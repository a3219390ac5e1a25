'use client';

import { ArrowDown, ArrowUp, ChevronsUpDown } from 'lucide-react';
import { type ComponentProps, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { cn } from '../../_lib/cn';

/**
 * A data table with real table semantics. For more than a few hundred rows use
 * VirtualTable (virtual-list.tsx), which renders only what is on screen.
 *
 *   const { sorted, sort, setSort } = useSort(sources, { title: (s) => s.title, pages: (s) => s.pageCount }, { column: 'title' });
 *   <Table aria-label="Sources">
 *     <TableHeader><TableRow>
 *       <SortableHead column="title" sort={sort} onSort={setSort}>Title</SortableHead>
 *       <SortableHead column="pages" sort={sort} onSort={setSort} align="right">Pages</SortableHead>
 *     </TableRow></TableHeader>
 *     <TableBody>{sorted.map((s) => <TableRow key={s.id}>…</TableRow>)}</TableBody>
 *   </Table>
 */
export function Table({ className, containerClassName, ...props }: ComponentProps<'table'> & { containerClassName?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const scrolls = useScrollsSideways(box);
  return (
    <div
      ref={box}
      // A table wider than the screen scrolls sideways: keyboard users reach it with Tab and scroll it with the arrow keys.
      {...(scrolls ? { tabIndex: 0, role: 'region', 'aria-label': props['aria-label'] } : {})}
      className={cn('focus-ring relative w-full overflow-x-auto rounded-xl border border-border bg-surface', containerClassName)}
    >
      <table className={cn('w-full caption-bottom border-collapse text-sm', className)} {...props} />
    </div>
  );
}

/** Whether the element's content is wider than it, as the window or the content change. */
function useScrollsSideways(ref: { current: HTMLElement | null }): boolean {
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, [ref]);
  return scrolls;
}

export function TableHeader({ className, ...props }: ComponentProps<'thead'>) {
  return <thead className={cn('bg-muted/50 [&_tr]:border-b [&_tr]:hover:bg-transparent', className)} {...props} />;
}

export function TableBody({ className, ...props }: ComponentProps<'tbody'>) {
  return <tbody className={cn('[&_tr:last-child]:border-0', className)} {...props} />;
}

export function TableRow({ className, ...props }: ComponentProps<'tr'>) {
  return (
    <tr className={cn('border-b border-border transition-colors hover:bg-muted/40 data-[state=selected]:bg-accent-subtle', className)} {...props} />
  );
}

const alignClass = { left: 'text-left', right: 'text-right', center: 'text-center' } as const;

export function TableHead({ className, align = 'left', ...props }: ComponentProps<'th'> & { align?: keyof typeof alignClass }) {
  return (
    <th
      scope="col"
      className={cn('h-9 whitespace-nowrap px-3 align-middle text-xs font-medium text-muted-foreground', alignClass[align], className)}
      {...props}
    />
  );
}

export function TableCell({ className, align = 'left', ...props }: ComponentProps<'td'> & { align?: keyof typeof alignClass }) {
  return <td className={cn('px-3 py-2 align-middle', alignClass[align], align === 'right' && 'tabular-nums', className)} {...props} />;
}

export function TableCaption({ className, ...props }: ComponentProps<'caption'>) {
  return <caption className={cn('py-3 text-sm text-muted-foreground', className)} {...props} />;
}

export type SortDirection = 'asc' | 'desc';
export type Sort<K extends string> = { column: K; direction: SortDirection };

/**
 * A column header that sorts: a button inside the <th>, with aria-sort on the
 * header so screen readers say how the table is ordered. Clicking the sorted
 * column flips the direction; another column starts ascending.
 */
export function SortableHead<K extends string>({
  column,
  sort,
  onSort,
  align = 'left',
  className,
  children,
}: {
  column: K;
  sort: Sort<K> | null;
  onSort: (next: Sort<K>) => void;
  align?: keyof typeof alignClass;
  className?: string;
  children: ReactNode;
}) {
  const active = sort?.column === column;
  const direction = active ? sort.direction : null;
  const Icon = direction === 'asc' ? ArrowUp : direction === 'desc' ? ArrowDown : ChevronsUpDown;
  return (
    <TableHead align={align} aria-sort={direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : undefined} className={className}>
      <button
        type="button"
        onClick={() => onSort({ column, direction: active && direction === 'asc' ? 'desc' : 'asc' })}
        className={cn(
          'focus-ring -mx-1.5 inline-flex h-7 items-center gap-1 rounded px-1.5 font-medium hover:bg-muted hover:text-foreground',
          active && 'text-foreground',
          align === 'right' && 'flex-row-reverse',
        )}
      >
        {children}
        <Icon aria-hidden className={cn('size-3.5', !active && 'opacity-50')} />
      </button>
    </TableHead>
  );
}

type Sortable = string | number | Date | boolean | null | undefined;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: Sortable, b: Sortable): number {
  // Empty values sort last whichever the direction, as people expect.
  if (a == null || a === '') return b == null || b === '' ? 0 : 1;
  if (b == null || b === '') return -1;
  if (typeof a === 'string' && typeof b === 'string') return collator.compare(a, b);
  return Number(a) - Number(b);
}

/** Client-side sorting for a table whose rows are all loaded. Stable, locale-aware, empty values last. */
export function useSort<T, K extends string>(rows: readonly T[], accessors: Record<K, (row: T) => Sortable>, initial: Sort<K> | null = null) {
  const [sort, setSort] = useState<Sort<K> | null>(initial);
  // biome-ignore lint/correctness/useExhaustiveDependencies: accessors are usually an inline object; the column is what matters
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const get = accessors[sort.column];
    const sign = sort.direction === 'asc' ? 1 : -1;
    return rows
      .map((row, i) => ({ row, i, key: get(row) }))
      .sort((x, y) => {
        const empty = (v: Sortable) => v == null || v === '';
        if (empty(x.key) || empty(y.key)) return compare(x.key, y.key) || x.i - y.i;
        return sign * compare(x.key, y.key) || x.i - y.i;
      })
      .map((x) => x.row);
  }, [rows, sort]);
  return { sorted, sort, setSort };
}
