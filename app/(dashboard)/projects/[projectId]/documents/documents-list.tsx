'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { FilePlus2, FileText, MoreHorizontal, Search, SearchX, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { ConfirmDialog } from '../../../../_components/ui/alert-dialog';
import { Avatar } from '../../../../_components/ui/avatar';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '../../../../_components/ui/dropdown-menu';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { IconButton } from '../../../../_components/ui/icon-button';
import { Input } from '../../../../_components/ui/input';
import { Pagination } from '../../../../_components/ui/pagination';
import { RelativeTime } from '../../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { TableSkeleton } from '../../../../_components/ui/skeleton';
import { SortableHead, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, useSort } from '../../../../_components/ui/table';
import { cn } from '../../../../_lib/cn';
import { useOptimisticMutation } from '../../../../_lib/optimistic';
import { useSession } from '../../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { useUrlState } from '../../../knowledge/url-state';
import { CreateDocumentDialog } from './create-document-dialog';
import { DOCUMENT_TYPES, documentHref, formatCount, typeLabel } from './doc-format';

export type DocumentRow = RouterOutputs['documents']['list']['items'][number];

const LIMIT = 50;

/** Deleting a document: gone from the list at once, back with a toast if the server refuses. */
export function useDeleteDocument() {
  const trpc = useTRPC();
  return useOptimisticMutation(trpc.documents.delete.mutationOptions(), {
    filter: trpc.documents.list.queryFilter(),
    apply: (page, input) =>
      page.items.some((d) => d.id === input.id) ? { ...page, items: page.items.filter((d) => d.id !== input.id), total: page.total - 1 } : page,
    failure: 'Could not delete the document',
    success: 'Document deleted',
  });
}

export function DeleteDocumentDialog({
  document,
  open,
  onOpenChange,
  onDeleted,
}: {
  document: Pick<DocumentRow, 'id' | 'title'> | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDeleted?: () => void;
}) {
  const remove = useDeleteDocument();
  if (!document) return null;
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Delete “${document.title}”?`}
      description="The document and every one of its versions are removed. This cannot be undone."
      confirmLabel="Delete document"
      destructive
      onConfirm={() => {
        // Optimistic: the row goes at once and comes back with a toast if the server refuses.
        remove.mutate({ id: document.id });
        onDeleted?.();
      }}
    />
  );
}

/** A search box that writes once typing pauses (or on Enter); `/` focuses it. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 250);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="relative w-full max-w-xs">
      <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
      <Input
        type="search"
        data-slash-focus
        aria-label="Search documents by title or text"
        placeholder="Search documents…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && onChange(text)}
        className="pl-8"
      />
    </div>
  );
}

type SortColumn = 'title' | 'type' | 'updated';

/**
 * A project's documents: title, type, tags, when and by whom last edited,
 * and author; search and a type filter in the URL; create and delete.
 */
export function DocumentsList({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const { params, set } = useUrlState();
  const query = params.get('q') ?? '';
  const type = params.get('type') ?? 'all';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<DocumentRow | null>(null);

  const docs = useQuery({
    ...trpc.documents.list.queryOptions({
      projectId,
      limit: LIMIT,
      offset,
      ...(query ? { query } : {}),
      ...(type !== 'all' ? { documentType: type } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const { sorted, sort, setSort } = useSort<DocumentRow, SortColumn>(docs.data?.items ?? [], {
    title: (d) => d.title.toLowerCase(),
    type: (d) => d.documentType,
    updated: (d) => new Date(d.updatedAt).getTime(),
  });
  const filtered = query !== '' || type !== 'all';
  const types = [...new Set([...DOCUMENT_TYPES, ...(docs.data?.items.map((d) => d.documentType) ?? []), ...(type !== 'all' ? [type] : [])])];

  const newButton = can('write') && (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-document">
      <FilePlus2 aria-hidden /> New document
    </Button>
  );

  return (
    <section aria-labelledby="documents-heading" className="grid gap-3">
      <h2 id="documents-heading" className="sr-only">
        Documents
      </h2>
      <div className="flex flex-wrap items-center gap-2">
        <SearchBox value={query} onChange={(q) => set({ q, offset: null })} />
        <Select value={type} onValueChange={(v) => set({ type: v === 'all' ? null : v, offset: null })}>
          <SelectTrigger aria-label="Filter by type" className="w-36" data-testid="type-filter">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="all">All types</SelectItem>
            {types.map((t) => (
              <SelectItem key={t} value={t}>
                {typeLabel(t)}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
        {docs.data && (
          <span className="text-sm text-muted-foreground tabular-nums" aria-live="polite">
            {formatCount(docs.data.total)} {docs.data.total === 1 ? 'document' : 'documents'}
          </span>
        )}
        <div className="ml-auto">{newButton}</div>
      </div>

      {docs.isPending ? (
        <TableSkeleton rows={5} columns={5} label="Loading documents" />
      ) : docs.isError ? (
        <ErrorState compact error={docs.error} onRetry={() => docs.refetch()} />
      ) : docs.data.total === 0 && filtered ? (
        <EmptyState
          icon={SearchX}
          title="No document matches"
          description="Try other words from the title or the text, or another type."
          action={<Button onClick={() => set({ q: null, type: null, offset: null })}>Clear the search</Button>}
        />
      ) : docs.data.total === 0 ? (
        <EmptyState
          icon={FileText}
          title="No documents yet"
          description={
            can('write')
              ? 'Specs, designs and notes for this project, in Markdown. Every save is kept as a version you can compare and restore.'
              : 'Nobody has written a document for this project yet. Members can add specs, designs and notes here.'
          }
          action={newButton}
        />
      ) : (
        <>
          <Table aria-label="Documents" data-testid="documents" className={cn('table-fixed', docs.isPlaceholderData && 'opacity-60')}>
            <TableHeader>
              <TableRow>
                <SortableHead column="title" sort={sort} onSort={setSort}>
                  Title
                </SortableHead>
                <SortableHead column="type" sort={sort} onSort={setSort} className="w-28">
                  Type
                </SortableHead>
                <TableHead className="hidden w-48 lg:table-cell">Tags</TableHead>
                <SortableHead column="updated" sort={sort} onSort={setSort} className="w-52">
                  Updated
                </SortableHead>
                <TableHead className="hidden w-40 md:table-cell">Author</TableHead>
                {can('write') && (
                  <TableHead className="w-12">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {sorted.map((d) => (
                <TableRow key={d.id} data-testid="document-row">
                  <TableCell className="max-w-0 py-2.5">
                    <Link
                      href={documentHref(projectId, d.id)}
                      className="focus-ring flex min-w-0 items-center gap-2 rounded-sm font-medium hover:underline"
                      data-testid="document-link"
                    >
                      <FileText aria-hidden className="size-4 shrink-0 text-muted-foreground" />
                      <span className="truncate">{d.title}</span>
                    </Link>
                    <span className="ml-6 block truncate text-xs text-muted-foreground">
                      {formatCount(d.charCount)} characters · {d.status}
                    </span>
                  </TableCell>
                  <TableCell>
                    <Badge variant="neutral">{typeLabel(d.documentType)}</Badge>
                  </TableCell>
                  <TableCell className="hidden max-w-0 lg:table-cell">
                    {d.tags.length ? (
                      <span className="flex gap-1 overflow-hidden" title={d.tags.join(', ')}>
                        {d.tags.slice(0, 3).map((t) => (
                          <Badge key={t} variant="outline">
                            {t}
                          </Badge>
                        ))}
                        {d.tags.length > 3 && <span className="text-xs text-muted-foreground">+{d.tags.length - 3}</span>}
                      </span>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  <TableCell className="max-w-0">
                    <RelativeTime date={d.updatedAt} />
                    {d.updatedBy && <span className="block truncate text-xs text-muted-foreground">by {d.updatedBy}</span>}
                  </TableCell>
                  <TableCell className="hidden max-w-0 md:table-cell">
                    {d.author ? (
                      <span className="flex min-w-0 items-center gap-1.5">
                        <Avatar name={d.author} className="size-5 text-[9px]" />
                        <span className="truncate">{d.author}</span>
                      </span>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  {can('write') && (
                    <TableCell className="px-1">
                      <DropdownMenu>
                        <DropdownMenuTrigger asChild>
                          <IconButton icon={MoreHorizontal} label={`Actions for ${d.title}`} tooltip={false} size="icon-sm" />
                        </DropdownMenuTrigger>
                        <DropdownMenuContent align="end">
                          <DropdownMenuItem asChild>
                            <Link href={documentHref(projectId, d.id)}>
                              <FileText aria-hidden /> Open
                            </Link>
                          </DropdownMenuItem>
                          <DropdownMenuItem variant="destructive" onSelect={() => setDeleting(d)}>
                            <Trash2 aria-hidden /> Delete…
                          </DropdownMenuItem>
                        </DropdownMenuContent>
                      </DropdownMenu>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Pagination
            total={docs.data.total}
            offset={offset}
            limit={LIMIT}
            onChange={(o) => set({ offset: o ? String(o) : null })}
            label="Documents"
          />
        </>
      )}
      <CreateDocumentDialog projectId={projectId} open={creating} onOpenChange={setCreating} />
      <DeleteDocumentDialog document={deleting} open={deleting !== null} onOpenChange={(o) => !o && setDeleting(null)} />
    </section>
  );
}
