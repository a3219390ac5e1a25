'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronRight, Layers } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Pagination } from '../../../../_components/ui/pagination';
import { Skeleton, SkeletonText } from '../../../../_components/ui/skeleton';
import { cn } from '../../../../_lib/cn';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { formatCount } from '../../format';

const LIMIT = 20;
type Chunk = RouterOutputs['knowledge']['listChunks']['items'][number];

/** One chunk as search sees it: where it sits, its text (plain, never rendered as HTML) and whether it has a vector. */
function ChunkCard({ chunk }: { chunk: Chunk }) {
  const [open, setOpen] = useState(false);
  const long = chunk.content.length > 600;
  return (
    <article data-testid="chunk" className="rounded-xl border border-border bg-surface shadow-xs">
      <header className="flex flex-wrap items-center gap-x-2 gap-y-1 border-b border-border px-4 py-2.5 text-sm">
        <Link href={`/knowledge/pages/${chunk.pageId}`} className="focus-ring min-w-0 truncate rounded-sm font-medium hover:underline">
          {chunk.pageTitle || chunk.url}
        </Link>
        {chunk.headingPath.length > 0 && (
          <span className="flex min-w-0 items-center gap-1 text-muted-foreground">
            {chunk.headingPath.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a heading path may repeat a title
              <span key={i} className="flex min-w-0 items-center gap-1">
                <ChevronRight aria-hidden className="size-3 shrink-0" />
                <span className="truncate">{h}</span>
              </span>
            ))}
          </span>
        )}
        <span className="ml-auto flex shrink-0 items-center gap-2 text-xs text-muted-foreground">
          <span className="tabular-nums">#{chunk.chunkIndex + 1}</span>
          <span className="tabular-nums">{formatCount(chunk.charCount)} chars</span>
          {chunk.embeddingModel ? (
            <Badge variant="outline" title={`${chunk.embeddingModel}, ${chunk.embeddingDim} dimensions`}>
              {chunk.embeddingModel}
            </Badge>
          ) : (
            <Badge variant="warning">No vector</Badge>
          )}
        </span>
      </header>
      {chunk.context && <p className="border-b border-border bg-muted/40 px-4 py-2 text-xs text-muted-foreground">{chunk.context}</p>}
      <div className="px-4 py-3">
        <p className={cn('whitespace-pre-wrap break-words font-mono text-[12.5px] leading-relaxed', !open && long && 'line-clamp-8')}>
          {chunk.content}
        </p>
        {long && (
          <Button variant="link" size="sm" className="mt-1" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Show less' : 'Show all'}
          </Button>
        )}
      </div>
    </article>
  );
}

/** The source's chunks in document order: what search retrieves, exactly as stored. */
export function ChunksTab({ sourceId }: { sourceId: string }) {
  const trpc = useTRPC();
  const [offset, setOffset] = useState(0);
  const chunks = useQuery({ ...trpc.knowledge.listChunks.queryOptions({ sourceId, limit: LIMIT, offset }), placeholderData: keepPreviousData });
  if (chunks.isPending) {
    return (
      <div role="status" className="grid grid-cols-1 gap-3">
        <span className="sr-only">Loading chunks</span>
        {[0, 1, 2].map((i) => (
          <div key={i} className="rounded-xl border border-border p-4">
            <Skeleton className="mb-3 h-4 w-64" />
            <SkeletonText lines={4} />
          </div>
        ))}
      </div>
    );
  }
  if (chunks.isError) return <ErrorState compact error={chunks.error} onRetry={() => chunks.refetch()} />;
  if (chunks.data.total === 0) {
    return (
      <EmptyState
        icon={Layers}
        headingLevel={3}
        title="No chunks yet"
        description="Pages are split into chunks as they are stored; they show up here."
      />
    );
  }
  return (
    <div className={cn('grid grid-cols-1 gap-3', chunks.isPlaceholderData && 'opacity-60')}>
      {chunks.data.items.map((c) => (
        <ChunkCard key={c.id} chunk={c} />
      ))}
      <Pagination total={chunks.data.total} offset={offset} limit={LIMIT} onChange={setOffset} label="Chunks" />
    </div>
  );
}
