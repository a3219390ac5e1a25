'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, type Key, type ReactNode, useEffect, useRef } from 'react';
import { cn } from '../../_lib/cn';

/**
 * Long lists that stay fast: only the rows on screen (plus a few) are in the
 * DOM. Both helpers scroll inside their own box, which is focusable and named
 * so keyboard users can scroll it (axe: scrollable-region-focusable).
 */

export type VirtualColumn<T> = {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Classes for both the header and the cells, e.g. a width: 'w-24 text-right'. */
  className?: string;
  /** Replaces the plain header (a SortableHead from table.tsx, for instance); it must render a <th>. */
  head?: ReactNode;
};

/**
 * A table of thousands of rows that keeps real table semantics (spacer rows
 * above and below the rendered window, aria-rowcount/aria-rowindex for screen readers).
 *
 *   <VirtualTable label="Sources" rows={sources} getKey={(s) => s.id} rowHeight={44} columns={[
 *     { id: 'title', header: 'Title', cell: (s) => s.title },
 *     { id: 'pages', header: 'Pages', cell: (s) => s.pageCount, className: 'w-20 text-right tabular-nums' },
 *   ]} />
 */
export function VirtualTable<T>({
  rows,
  columns,
  getKey,
  label,
  rowHeight = 40,
  overscan = 10,
  className,
  onRowClick,
}: {
  rows: readonly T[];
  columns: VirtualColumn<T>[];
  getKey: (row: T) => Key;
  label: string;
  rowHeight?: number;
  overscan?: number;
  /** Sets the scroll box's height: 'h-[60vh]' (default). */
  className?: string;
  onRowClick?: (row: T) => void;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => rowHeight, overscan });
  const items = v.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = v.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <section
      ref={parentRef}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable so keyboard users can scroll it
      tabIndex={0}
      aria-label={label}
      className={cn('focus-ring h-[60vh] overflow-auto rounded-xl border border-border bg-surface', className)}
    >
      <table className="w-full border-collapse text-sm" aria-rowcount={rows.length + 1}>
        <thead className="sticky top-0 z-10 bg-surface shadow-[0_1px_0_var(--border)]">
          <tr aria-rowindex={1}>
            {columns.map((c) => (
              <Fragment key={c.id}>
                {c.head ?? (
                  <th scope="col" className={cn('h-9 whitespace-nowrap px-3 text-left text-xs font-medium text-muted-foreground', c.className)}>
                    {c.header}
                  </th>
                )}
              </Fragment>
            ))}
          </tr>
        </thead>
        <tbody>
          {top > 0 && <tr aria-hidden style={{ height: top }} />}
          {items.map((it) => {
            const row = rows[it.index]!;
            return (
              <tr
                key={getKey(row)}
                aria-rowindex={it.index + 2}
                style={{ height: rowHeight }}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
                className={cn('border-b border-border transition-colors hover:bg-muted/40', onRowClick && 'cursor-pointer')}
              >
                {columns.map((c) => (
                  <td key={c.id} className={cn('px-3 align-middle', c.className)}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            );
          })}
          {bottom > 0 && <tr aria-hidden style={{ height: bottom }} />}
        </tbody>
      </table>
    </section>
  );
}

/**
 * A list of thousands of items of about the same height (a job's log). With
 * `follow`, it keeps the newest item in view while the reader is at the bottom,
 * and stops following when they scroll up to read.
 *
 *   <VirtualList label="Job log" role="log" items={events} getKey={(e) => e.id} follow
 *     renderItem={(e) => <LogLine event={e} />} />
 */
export function VirtualList<T>({
  items,
  renderItem,
  getKey,
  label,
  itemHeight = 20,
  overscan = 20,
  follow = false,
  role = 'list',
  className,
}: {
  items: readonly T[];
  renderItem: (item: T, index: number) => ReactNode;
  getKey: (item: T) => Key;
  label: string;
  itemHeight?: number;
  overscan?: number;
  follow?: boolean;
  role?: 'list' | 'log';
  className?: string;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastTop = useRef(0);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => itemHeight, overscan });
  useEffect(() => {
    if (follow && atBottom.current && items.length > 0) v.scrollToIndex(items.length - 1, { align: 'end' });
  }, [follow, items.length, v]);
  return (
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role is list or log, both of which take a name
    <div
      ref={parentRef}
      // A scrolling region must be focusable so keyboard users can scroll it.
      tabIndex={0}
      role={role}
      aria-label={label}
      onScroll={(e) => {
        // Following stops only when the reader moves up, and resumes at the bottom. Judged by the distance
        // alone, a scroll event between a burst of new items and the scroll that follows them would stop it.
        const el = e.currentTarget;
        if (el.scrollHeight - el.scrollTop - el.clientHeight < itemHeight * 2) atBottom.current = true;
        else if (el.scrollTop < lastTop.current) atBottom.current = false;
        lastTop.current = el.scrollTop;
      }}
      className={cn('focus-ring h-80 overflow-auto rounded-xl border border-border bg-surface', className)}
    >
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((it) => {
          const item = items[it.index]!;
          return (
            <div
              key={getKey(item)}
              role={role === 'list' ? 'listitem' : undefined}
              className="absolute left-0 top-0 w-full"
              style={{ height: it.size, transform: `translateY(${it.start}px)` }}
            >
              {renderItem(item, it.index)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
