'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { BookOpen, Check, FileUp, Globe, Link2, Search, Unlink } from 'lucide-react';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { Dialog, DialogBody, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../../../_components/ui/dialog';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { IconButton } from '../../../../_components/ui/icon-button';
import { Input } from '../../../../_components/ui/input';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { Skeleton, TableSkeleton } from '../../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../_components/ui/table';
import { useOptimisticMutation } from '../../../../_lib/optimistic';
import { useSession } from '../../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';

type Linked = RouterOutputs['projects']['sources'][number];
type LinkType = Linked['linkType'];
type KnowledgeSource = RouterOutputs['knowledge']['sources']['items'][number];

const LINK_TYPES: Record<LinkType, string> = { technical: 'Technical', business: 'Business' };
const sourceHref = (id: string) => `/knowledge/sources/${encodeURIComponent(id)}`;
const isWeb = (url: string | null) => Boolean(url && /^https?:\/\//i.test(url));
const integer = new Intl.NumberFormat('en');

/**
 * Linking and unlinking, shown at once and put back with a toast if refused.
 * A link's title and URL come from the search result it was picked from, so the
 * new row shows whole before the server answers.
 */
function useLinks(projectId: string) {
  const trpc = useTRPC();
  const picked = useRef(new Map<string, Pick<Linked, 'title' | 'url'>>());
  const filter = trpc.projects.sources.queryFilter({ id: projectId });
  const link = useOptimisticMutation(trpc.projects.linkSource.mutationOptions(), {
    filter,
    apply: (rows, input) => {
      const linkType = input.linkType ?? 'technical';
      if (rows.some((r) => r.sourceId === input.sourceId)) return rows.map((r) => (r.sourceId === input.sourceId ? { ...r, linkType } : r));
      const meta = picked.current.get(input.sourceId) ?? { title: input.sourceId, url: null };
      return [...rows, { sourceId: input.sourceId, linkType, ...meta }].sort((a, b) => a.title.localeCompare(b.title));
    },
    failure: 'Could not link the source',
  });
  const unlink = useOptimisticMutation(trpc.projects.unlinkSource.mutationOptions(), {
    filter,
    apply: (rows, input) => rows.filter((r) => r.sourceId !== input.sourceId),
    failure: 'Could not unlink the source',
  });
  return { link, unlink, remember: (s: Pick<KnowledgeSource, 'id' | 'title' | 'url'>) => picked.current.set(s.id, { title: s.title, url: s.url }) };
}

/** The Sources tab: the knowledge sources this project relies on, linked and unlinked in place. */
export function SourcesView({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const linked = useQuery(trpc.projects.sources.queryOptions({ id: projectId }));
  const { link, unlink, remember } = useLinks(projectId);
  const [picking, setPicking] = useState(false);

  const doUnlink = (row: Linked) =>
    unlink.mutate(
      { projectId, sourceId: row.sourceId },
      {
        onSuccess: () =>
          toast.success(`Unlinked “${row.title}”`, {
            action: {
              label: 'Undo',
              onClick: () => {
                remember({ id: row.sourceId, title: row.title, url: row.url });
                link.mutate({ projectId, sourceId: row.sourceId, linkType: row.linkType });
              },
            },
          }),
      },
    );

  const linkButton = can('write') && (
    <Button variant="primary" onClick={() => setPicking(true)} data-testid="link-source">
      <Link2 aria-hidden /> Link a source
    </Button>
  );

  return (
    <section aria-labelledby="sources-heading" className="grid gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="sources-heading" className="text-base font-semibold">
          Linked sources
        </h2>
        {linked.data && <span className="text-sm text-muted-foreground tabular-nums">{integer.format(linked.data.length)}</span>}
        <p className="hidden text-sm text-muted-foreground md:block">Docs, specs and references from Knowledge that this project relies on.</p>
        <div className="ml-auto">{linked.data && linked.data.length > 0 && linkButton}</div>
      </div>
      {linked.isPending ? (
        <TableSkeleton rows={3} columns={3} label="Loading linked sources" />
      ) : linked.isError ? (
        <ErrorState compact error={linked.error} onRetry={() => linked.refetch()} />
      ) : linked.data.length === 0 ? (
        <EmptyState
          icon={BookOpen}
          title="No sources linked"
          description={
            can('write')
              ? 'Link the docs, specs and references from Knowledge that this project relies on, so they are one click away.'
              : 'Nobody has linked knowledge sources to this project yet.'
          }
          action={linkButton}
        />
      ) : (
        <Table aria-label="Linked sources" data-testid="linked-sources" className="table-fixed">
          <TableHeader>
            <TableRow>
              <TableHead>Source</TableHead>
              <TableHead className="w-40">Used for</TableHead>
              {can('write') && (
                <TableHead className="w-14">
                  <span className="sr-only">Actions</span>
                </TableHead>
              )}
            </TableRow>
          </TableHeader>
          <TableBody>
            {linked.data.map((row) => {
              const Icon = isWeb(row.url) ? Globe : FileUp;
              return (
                <TableRow key={row.sourceId} data-testid="linked-source" data-source-id={row.sourceId}>
                  <TableCell className="max-w-0 py-2.5">
                    <Link
                      href={sourceHref(row.sourceId)}
                      className="focus-ring flex min-w-0 items-center gap-2 rounded-sm font-medium hover:underline"
                    >
                      <Icon aria-hidden className="size-4 shrink-0 text-muted-foreground" />
                      <span className="truncate">{row.title}</span>
                    </Link>
                    <span className="ml-6 block truncate font-mono text-xs text-muted-foreground">{isWeb(row.url) ? row.url : 'Uploaded files'}</span>
                  </TableCell>
                  <TableCell>
                    {can('write') ? (
                      <Select value={row.linkType} onValueChange={(v) => link.mutate({ projectId, sourceId: row.sourceId, linkType: v as LinkType })}>
                        <SelectTrigger aria-label={`What ${row.title} is used for`} className="h-7 w-32">
                          <SelectValue />
                        </SelectTrigger>
                        <SelectContent>
                          {Object.entries(LINK_TYPES).map(([value, label]) => (
                            <SelectItem key={value} value={value}>
                              {label}
                            </SelectItem>
                          ))}
                        </SelectContent>
                      </Select>
                    ) : (
                      <Badge variant="neutral">{LINK_TYPES[row.linkType]}</Badge>
                    )}
                  </TableCell>
                  {can('write') && (
                    <TableCell className="px-1">
                      <IconButton
                        icon={Unlink}
                        label={`Unlink ${row.title}`}
                        size="icon-sm"
                        onClick={() => doUnlink(row)}
                        data-testid="unlink-source"
                      />
                    </TableCell>
                  )}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {can('write') && (
        <LinkSourceDialog
          open={picking}
          onOpenChange={setPicking}
          linkedIds={new Set(linked.data?.map((r) => r.sourceId))}
          onLink={(source, linkType) => {
            remember(source);
            link.mutate({ projectId, sourceId: source.id, linkType }, { onSuccess: () => toast.success(`Linked “${source.title}”`) });
          }}
        />
      )}
    </section>
  );
}

/** Finding a source to link: the knowledge base searched as you type, each result linked with one click. */
function LinkSourceDialog({
  open,
  onOpenChange,
  linkedIds,
  onLink,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  linkedIds: Set<string>;
  onLink: (source: KnowledgeSource, linkType: LinkType) => void;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [linkType, setLinkType] = useState<LinkType>('technical');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);
  useEffect(() => {
    if (open) return;
    setText('');
    setQuery('');
  }, [open]);
  const results = useQuery({
    ...trpc.knowledge.sources.queryOptions({ limit: 20, ...(query ? { query } : {}) }),
    enabled: open,
    placeholderData: keepPreviousData,
  });

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent size="lg" data-testid="link-source-dialog">
        <DialogHeader>
          <DialogTitle>Link a knowledge source</DialogTitle>
          <DialogDescription>
            Search the knowledge base by title or URL; a linked source shows on this project with what it is used for.
          </DialogDescription>
        </DialogHeader>
        <DialogBody className="grid gap-3 pb-5">
          <div className="flex flex-wrap gap-2">
            <div className="relative min-w-60 flex-1">
              <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
              <Input
                type="search"
                aria-label="Search sources by title or URL"
                placeholder="Search sources…"
                value={text}
                onChange={(e) => setText(e.target.value)}
                className="pl-8"
                autoFocus
                data-testid="source-search"
              />
            </div>
            <Select value={linkType} onValueChange={(v) => setLinkType(v as LinkType)}>
              <SelectTrigger aria-label="Link as" className="w-36">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {Object.entries(LINK_TYPES).map(([value, label]) => (
                  <SelectItem key={value} value={value}>
                    {label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <p className="sr-only" role="status">
            {results.data ? `${results.data.total} ${results.data.total === 1 ? 'source' : 'sources'} found` : ''}
          </p>
          {results.isPending ? (
            <div className="grid gap-2" aria-hidden>
              {[0, 1, 2].map((i) => (
                <Skeleton key={i} className="h-12" />
              ))}
            </div>
          ) : results.isError ? (
            <ErrorState compact headingLevel={3} error={results.error} onRetry={() => results.refetch()} />
          ) : results.data.items.length === 0 ? (
            <p className="rounded-lg border border-dashed border-border px-4 py-8 text-center text-sm text-muted-foreground">
              {query ? `No source matches “${query}”.` : 'The knowledge base is empty: add sources in Knowledge first.'}
            </p>
          ) : (
            <ul aria-label="Sources" className="grid max-h-80 gap-1 overflow-y-auto" data-testid="source-results">
              {results.data.items.map((s) => {
                const already = linkedIds.has(s.id);
                const Icon = s.kind === 'url' ? Globe : FileUp;
                return (
                  <li key={s.id} className="flex items-center gap-3 rounded-lg border border-border px-3 py-2" data-testid="source-result">
                    <Icon aria-hidden className="size-4 shrink-0 text-muted-foreground" />
                    <div className="min-w-0 flex-1">
                      <p className="truncate text-sm font-medium">{s.title}</p>
                      <p className="truncate font-mono text-xs text-muted-foreground">
                        {isWeb(s.url) ? s.url : 'Uploaded files'} · {integer.format(s.pageCount)} {s.pageCount === 1 ? 'page' : 'pages'}
                      </p>
                    </div>
                    {already ? (
                      <span className="inline-flex items-center gap-1 text-sm text-success-text">
                        <Check aria-hidden className="size-4" /> Linked
                      </span>
                    ) : (
                      <Button size="sm" onClick={() => onLink(s, linkType)} aria-label={`Link ${s.title}`}>
                        <Link2 aria-hidden /> Link
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </DialogBody>
      </DialogContent>
    </Dialog>
  );
}
