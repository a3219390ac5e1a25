'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ExternalLink, FileText } from 'lucide-react';
import Link from 'next/link';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Pagination } from '../../../../_components/ui/pagination';
import { TableSkeleton } from '../../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../_components/ui/table';
import { cn } from '../../../../_lib/cn';
import { useTRPC } from '../../../../_lib/trpc';
import { formatCount, formatDateTime, formatRelative } from '../../format';
import { useUrlState } from '../../url-state';
import { TabSearch } from './tab-search';

const LIMIT = 50;

/**
 * The source's pages, each opening in the page viewer; external ones also link to the original. The filter and
 * the page number are in the URL (`q`, `page`), so Back from a page, or a reload, shows the same list.
 */
export function PagesTab({ sourceId }: { sourceId: string }) {
  const trpc = useTRPC();
  const { params, set } = useUrlState();
  const query = params.get('q') ?? '';
  const offset = (Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1) - 1) * LIMIT;
  const pages = useQuery({
    ...trpc.knowledge.listPages.queryOptions({ sourceId, limit: LIMIT, offset, ...(query ? { query } : {}) }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="grid grid-cols-1 gap-3">
      <TabSearch label="Filter pages by title or URL" placeholder="Filter pages…" value={query} onChange={(q) => set({ q, page: null })} />
      {pages.isPending ? (
        <TableSkeleton rows={6} columns={4} label="Loading pages" />
      ) : pages.isError ? (
        <ErrorState compact error={pages.error} onRetry={() => pages.refetch()} />
      ) : pages.data.total === 0 ? (
        <EmptyState
          icon={FileText}
          headingLevel={3}
          title={query ? 'No page matches' : 'No pages yet'}
          description={query ? 'Try other words from the title or URL.' : 'Pages show up here as the crawl or upload stores them.'}
        />
      ) : (
        <>
          <Table aria-label="Pages" data-testid="pages" className={cn('table-fixed', pages.isPlaceholderData && 'opacity-60')}>
            <TableHeader>
              <TableRow>
                <TableHead>Page</TableHead>
                <TableHead align="right" className="w-24">
                  Words
                </TableHead>
                <TableHead align="right" className="w-20">
                  Chunks
                </TableHead>
                <TableHead className="hidden w-36 md:table-cell">Fetched</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {pages.data.items.map((p) => {
                const external = /^https?:\/\//i.test(p.url);
                return (
                  <TableRow key={p.id} data-testid="page-row">
                    <TableCell className="max-w-0 py-2.5">
                      <Link href={`/knowledge/pages/${p.id}`} className="focus-ring block truncate rounded-sm font-medium hover:underline">
                        {p.title || p.url}
                      </Link>
                      <span className="flex min-w-0 items-center gap-1 font-mono text-xs text-muted-foreground">
                        <span className="truncate">{p.url}</span>
                        {external && (
                          <a
                            href={p.url}
                            target="_blank"
                            rel="noopener noreferrer nofollow"
                            className="focus-ring -my-1 grid size-6 shrink-0 place-items-center rounded-sm hover:bg-muted hover:text-foreground"
                            aria-label={`Open the original of ${p.title || p.url} (new tab)`}
                          >
                            <ExternalLink aria-hidden className="size-3" />
                          </a>
                        )}
                      </span>
                    </TableCell>
                    <TableCell align="right">{formatCount(p.wordCount)}</TableCell>
                    <TableCell align="right">{formatCount(p.chunkCount)}</TableCell>
                    <TableCell className="hidden whitespace-nowrap text-muted-foreground md:table-cell">
                      {p.fetchedAt ? <span title={formatDateTime(p.fetchedAt)}>{formatRelative(p.fetchedAt)}</span> : '–'}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          <Pagination
            total={pages.data.total}
            offset={offset}
            limit={LIMIT}
            onChange={(o) => set({ page: o === 0 ? null : String(o / LIMIT + 1) }, { push: true })}
            label="Pages"
          />
        </>
      )}
    </div>
  );
}
