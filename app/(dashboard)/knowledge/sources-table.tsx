'use client';

import { CircleAlert, CircleSlash, Download, ExternalLink, FileUp, Globe, MoreHorizontal, RefreshCw, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { Fragment, useState } from 'react';
import { Badge } from '../../_components/ui/badge';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '../../_components/ui/dropdown-menu';
import { IconButton } from '../../_components/ui/icon-button';
import { type Sort, SortableHead, Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../_components/ui/table';
import { Tooltip } from '../../_components/ui/tooltip';
import { cn } from '../../_lib/cn';
import { useSession } from '../../_lib/session';
import type { RouterOutputs } from '../../_lib/trpc';
import { formatCompact, formatCount, formatDateTime, formatRelative, KIND_LABELS, REFRESH_LABELS, shortUrl, TYPE_LABELS } from './format';
import { JobProgressInline } from './job-progress';
import { isActive, useSourceJob } from './live-jobs';
import { DeleteSourceDialog, exportHref, type SourceRow, sourceHref, useRefreshSource } from './source-actions';

type Status = RouterOutputs['knowledge']['sourceStatuses']['items'][number];
export type SortColumn = 'title' | 'pages' | 'chunks' | 'codeExamples' | 'lastCrawled';

/** The embedding state in a word, with the figures in the tooltip. */
export function EmbeddingBadge({ status, indexing }: { status: Status | undefined; indexing: boolean }) {
  if (!status) return <span className="text-muted-foreground">–</span>;
  const { total, current, missing, stale } = status.embeddings;
  if (total === 0) return indexing ? <Badge variant="accent">Indexing</Badge> : <span className="text-muted-foreground">–</span>;
  const pct = Math.floor((current / total) * 100);
  const detail = `${formatCount(current)} of ${formatCount(total)} chunks and code examples embedded by the current model${stale ? `, ${formatCount(stale)} by another` : ''}${missing ? `, ${formatCount(missing)} without a vector` : ''}.`;
  const badge =
    current === total ? (
      <Badge variant="success" dot>
        Embedded
      </Badge>
    ) : indexing ? (
      <Badge variant="accent" dot>
        Embedding {pct}%
      </Badge>
    ) : stale > 0 ? (
      <Badge variant="warning" dot>
        Stale {pct}%
      </Badge>
    ) : current === 0 ? (
      <Badge variant="warning" dot>
        Not embedded
      </Badge>
    ) : (
      <Badge variant="warning" dot>
        Partial {pct}%
      </Badge>
    );
  return (
    <Tooltip content={detail}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the figures are in the tooltip, which needs focus to show by keyboard */}
      <span tabIndex={0} className="focus-ring inline-flex rounded-md">
        {badge}
        <span className="sr-only">{detail}</span>
      </span>
    </Tooltip>
  );
}

function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return null;
  const shown = tags.slice(0, 1);
  return (
    <div className="flex gap-1" title={tags.join(', ')}>
      {shown.map((t) => (
        <Badge key={t} variant="outline" className="max-w-24 truncate">
          {t}
        </Badge>
      ))}
      {tags.length > shown.length && <Badge variant="outline">+{tags.length - shown.length}</Badge>}
    </div>
  );
}

function RowActions({ source, onDelete }: { source: SourceRow; onDelete: () => void }) {
  const { can } = useSession();
  const refresh = useRefreshSource();
  const job = useSourceJob(source.id);
  const busy = job !== undefined && isActive(job.status);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <IconButton icon={MoreHorizontal} size="icon-sm" label={`Actions for ${source.title}`} tooltip={false} />
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem asChild>
          <Link href={sourceHref(source.id)}>
            <ExternalLink aria-hidden /> Open
          </Link>
        </DropdownMenuItem>
        {can('write') && source.kind === 'url' && (
          <DropdownMenuItem disabled={busy || refresh.isPending} onSelect={() => refresh.mutate({ id: source.id })}>
            <RefreshCw aria-hidden /> Refresh now
          </DropdownMenuItem>
        )}
        <DropdownMenuItem asChild>
          <a href={exportHref(source.id)} download>
            <Download aria-hidden /> Export archive
          </a>
        </DropdownMenuItem>
        {can('write') && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem variant="destructive" onSelect={onDelete}>
              <Trash2 aria-hidden /> Delete…
            </DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

const COLUMNS = 8;

function SourceRows({ source, status, onDelete }: { source: SourceRow; status: Status | undefined; onDelete: () => void }) {
  const job = useSourceJob(source.id);
  const live = job !== undefined && isActive(job.status);
  const lastRefresh = source.lastCrawledAt ?? status?.lastCompletedAt ?? null;
  const last = status?.lastJob;
  const unsuccessful =
    last && last.status !== 'completed' && last.finishedAt && (!lastRefresh || new Date(last.finishedAt) > new Date(lastRefresh)) ? last : null;
  const KindIcon = source.kind === 'url' ? Globe : FileUp;
  return (
    <>
      <TableRow data-testid="source-row" data-source-id={source.id} className={cn('group', live && 'border-b-0')}>
        <TableCell className="w-full max-w-0 py-2.5">
          <div className="flex min-w-0 items-center gap-3">
            <span
              aria-hidden
              className="hidden size-8 shrink-0 place-items-center rounded-lg border border-border bg-muted/60 text-muted-foreground sm:grid"
            >
              <KindIcon className="size-4" />
            </span>
            <div className="min-w-0">
              <Link
                href={sourceHref(source.id)}
                className="focus-ring block truncate rounded-sm font-medium text-foreground hover:underline"
                data-testid="source-title"
              >
                {source.title}
              </Link>
              <p className="flex min-w-0 items-center gap-1.5 text-xs text-muted-foreground">
                <span className="shrink-0">{KIND_LABELS[source.kind]}</span>
                {source.url && (
                  <>
                    <span aria-hidden>·</span>
                    <span className="truncate font-mono">{shortUrl(source.url)}</span>
                  </>
                )}
              </p>
            </div>
          </div>
        </TableCell>
        <TableCell className="hidden xl:table-cell">
          <div className="flex items-center gap-1">
            <Badge variant="neutral">{TYPE_LABELS[source.knowledgeType]}</Badge>
            <Tags tags={source.tags} />
          </div>
        </TableCell>
        <TableCell align="right" data-col="pages" title={formatCount(source.pageCount)}>
          {formatCompact(source.pageCount)}
        </TableCell>
        <TableCell align="right" data-col="chunks" className="hidden sm:table-cell" title={formatCount(source.chunkCount)}>
          {formatCompact(source.chunkCount)}
        </TableCell>
        <TableCell align="right" data-col="code" className="hidden lg:table-cell" title={formatCount(source.codeExampleCount)}>
          {formatCompact(source.codeExampleCount)}
        </TableCell>
        <TableCell className="hidden whitespace-nowrap md:table-cell">
          {unsuccessful ? (
            // The last job ended without completing, after the last refresh that did: say so, it needs attention.
            <span
              className={cn('inline-flex items-center gap-1', unsuccessful.status === 'failed' ? 'text-destructive-text' : 'text-warning-text')}
              title={`${formatDateTime(unsuccessful.finishedAt)}${unsuccessful.error ? `: ${unsuccessful.error}` : ''}`}
            >
              {unsuccessful.status === 'failed' ? <CircleAlert aria-hidden className="size-3.5" /> : <CircleSlash aria-hidden className="size-3.5" />}
              {unsuccessful.status === 'failed' ? 'Failed' : 'Cancelled'}
              <span className="sr-only">{formatRelative(unsuccessful.finishedAt)}</span>
            </span>
          ) : lastRefresh ? (
            <time dateTime={new Date(lastRefresh).toISOString()} title={formatDateTime(lastRefresh)}>
              {formatRelative(lastRefresh)}
            </time>
          ) : (
            <span className="text-muted-foreground">Never</span>
          )}
          <span className="block text-xs text-muted-foreground">
            {source.kind === 'upload'
              ? 'Uploaded'
              : source.refreshInterval === 'off'
                ? 'Manual'
                : `Refreshes ${REFRESH_LABELS[source.refreshInterval]!.toLowerCase()}`}
          </span>
        </TableCell>
        <TableCell className="hidden whitespace-nowrap sm:table-cell">
          <EmbeddingBadge status={status} indexing={live} />
        </TableCell>
        <TableCell className="w-10 pr-2">
          <RowActions source={source} onDelete={onDelete} />
        </TableCell>
      </TableRow>
      {live && (
        <TableRow className="hover:bg-transparent">
          <TableCell colSpan={COLUMNS} className="pb-3 pt-0 sm:pl-14">
            <JobProgressInline job={job} label={source.title} />
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

/**
 * One page of sources. Sorting is the server's (the list is paged), so the
 * headers change the URL rather than the rows in hand.
 */
export function SourcesTable({
  sources,
  statuses,
  sort,
  onSort,
}: {
  sources: SourceRow[];
  statuses: Map<string, Status>;
  sort: Sort<SortColumn>;
  onSort: (sort: Sort<SortColumn>) => void;
}) {
  const [deleting, setDeleting] = useState<SourceRow | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  return (
    <>
      <Table aria-label="Sources" data-testid="sources">
        <TableHeader>
          <TableRow>
            <SortableHead column="title" sort={sort} onSort={onSort} className="min-w-56">
              Source
            </SortableHead>
            <TableHead className="hidden xl:table-cell">Type and tags</TableHead>
            <SortableHead column="pages" sort={sort} onSort={onSort} align="right">
              Pages
            </SortableHead>
            <SortableHead column="chunks" sort={sort} onSort={onSort} align="right" className="hidden sm:table-cell">
              Chunks
            </SortableHead>
            <SortableHead column="codeExamples" sort={sort} onSort={onSort} align="right" className="hidden lg:table-cell">
              Code
            </SortableHead>
            <SortableHead column="lastCrawled" sort={sort} onSort={onSort} className="hidden md:table-cell">
              Last refresh
            </SortableHead>
            <TableHead className="hidden sm:table-cell">Embeddings</TableHead>
            <TableHead>
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {sources.map((s) => (
            <Fragment key={s.id}>
              <SourceRows
                source={s}
                status={statuses.get(s.id)}
                onDelete={() => {
                  setDeleting(s);
                  setConfirmOpen(true);
                }}
              />
            </Fragment>
          ))}
        </TableBody>
      </Table>
      <DeleteSourceDialog source={deleting} open={confirmOpen} onOpenChange={setConfirmOpen} />
    </>
  );
}
