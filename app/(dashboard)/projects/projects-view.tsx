'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ExternalLink, FolderKanban, MoreHorizontal, Pencil, Pin, PinOff, Plus, Search, SearchX, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Button } from '../../_components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '../../_components/ui/dropdown-menu';
import { EmptyState } from '../../_components/ui/empty-state';
import { ErrorState } from '../../_components/ui/error-state';
import { IconButton } from '../../_components/ui/icon-button';
import { Input } from '../../_components/ui/input';
import { PageHeader } from '../../_components/ui/page-header';
import { Pagination } from '../../_components/ui/pagination';
import { RelativeTime } from '../../_components/ui/relative-time';
import { Skeleton } from '../../_components/ui/skeleton';
import { Tooltip } from '../../_components/ui/tooltip';
import { cn } from '../../_lib/cn';
import { useOptimisticMutation } from '../../_lib/optimistic';
import { useSession } from '../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';
import { useUrlState } from '../knowledge/url-state';
import { DeleteProjectDialog } from './delete-project-dialog';
import { ProjectFormDialog } from './project-form-dialog';
import { plural, STATUS, STATUSES } from './task-meta';

const PAGE_SIZE = 60;
type Summary = RouterOutputs['projects']['summaries']['items'][number];

const repoLabel = (url: string) => url.replace(/^https:\/\/github\.com\//, '');

/** The four columns as one bar, each segment as wide as its share, with the numbers under it. */
function StatusBar({ counts }: { counts: Summary['taskCounts'] }) {
  const total = STATUSES.reduce((n, s) => n + counts[s], 0);
  return (
    <div className="grid gap-2">
      <div aria-hidden className="flex h-1.5 overflow-hidden rounded-full bg-muted">
        {total > 0 &&
          STATUSES.map((s) => counts[s] > 0 && <span key={s} className={STATUS[s].fill} style={{ width: `${(counts[s] / total) * 100}%` }} />)}
      </div>
      <dl className="grid grid-cols-4 gap-1 text-xs">
        {STATUSES.map((s) => (
          <div key={s} className="min-w-0" data-testid={`count-${s}`}>
            <dt className="flex items-center gap-1 truncate text-muted-foreground">
              <span aria-hidden className={cn('size-1.5 shrink-0 rounded-full', STATUS[s].fill)} />
              {STATUS[s].label}
            </dt>
            <dd className="mt-0.5 text-sm font-medium tabular-nums">{counts[s].toLocaleString('en')}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function ProjectCard({ p, onEdit, onDelete }: { p: Summary; onEdit: () => void; onDelete: () => void }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const pin = useOptimisticMutation(trpc.projects.update.mutationOptions(), {
    filter: trpc.projects.summaries.queryFilter(),
    // Only one project is pinned at a time: pinning one unpins the others, as the server does.
    apply: (page, input) => ({
      ...page,
      items: page.items.map((x) => (x.id === input.id ? { ...x, pinned: input.pinned ?? x.pinned } : input.pinned ? { ...x, pinned: false } : x)),
    }),
    failure: (input) => (input.pinned ? 'Could not pin the project' : 'Could not unpin the project'),
  });
  const open = p.taskCounts.todo + p.taskCounts.doing + p.taskCounts.review;
  return (
    <li
      className={cn(
        'group relative flex flex-col gap-4 rounded-xl border border-border bg-surface p-4 shadow-xs transition-[border-color,box-shadow] hover:border-input hover:shadow-sm',
        p.pinned && 'border-accent/40',
      )}
      data-testid="project-card"
      data-project-id={p.id}
    >
      <div className="flex items-start gap-2">
        <div className="min-w-0 flex-1">
          <h2 className="flex items-center gap-1.5 text-base font-semibold">
            {p.pinned && <Pin aria-label="Pinned" className="size-3.5 shrink-0 text-accent-text" />}
            {/* The whole card is the link's target area; other controls sit above it. */}
            <Link
              href={`/projects/${p.id}/board`}
              className="focus-ring truncate rounded-sm after:absolute after:inset-0 after:rounded-xl after:content-['']"
            >
              {p.title}
            </Link>
          </h2>
          {p.githubRepo ? (
            <a
              href={p.githubRepo}
              target="_blank"
              rel="noopener noreferrer nofollow"
              className="focus-ring relative z-10 mt-0.5 inline-flex max-w-full items-center gap-1 rounded-sm font-mono text-xs text-muted-foreground hover:text-accent-text hover:underline"
            >
              <span className="truncate">{repoLabel(p.githubRepo)}</span>
              <ExternalLink aria-hidden className="size-3 shrink-0" />
              <span className="sr-only">(GitHub, opens in a new tab)</span>
            </a>
          ) : (
            <p className="mt-0.5 text-xs text-muted-foreground">No repository</p>
          )}
        </div>
        {can('write') && (
          <div className="relative z-10 flex items-center">
            <IconButton
              icon={p.pinned ? PinOff : Pin}
              label={p.pinned ? `Unpin ${p.title}` : `Pin ${p.title}`}
              size="icon-sm"
              aria-pressed={p.pinned}
              className={cn(!p.pinned && 'opacity-0 focus-visible:opacity-100 group-hover:opacity-100')}
              onClick={() => pin.mutate({ id: p.id, pinned: !p.pinned })}
            />
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <IconButton icon={MoreHorizontal} label={`Actions for ${p.title}`} size="icon-sm" tooltip={false} />
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuItem onSelect={onEdit}>
                  <Pencil /> Edit
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => pin.mutate({ id: p.id, pinned: !p.pinned })}>
                  {p.pinned ? <PinOff /> : <Pin />} {p.pinned ? 'Unpin' : 'Pin to the top'}
                </DropdownMenuItem>
                <DropdownMenuSeparator />
                <DropdownMenuItem variant="destructive" onSelect={onDelete}>
                  <Trash2 /> Delete…
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          </div>
        )}
      </div>
      {p.description && <p className="line-clamp-2 text-sm text-muted-foreground">{p.description}</p>}
      <div className="mt-auto grid gap-3">
        <StatusBar counts={p.taskCounts} />
        <div className="flex items-center justify-between gap-2 border-t border-border pt-3 text-xs text-muted-foreground">
          <span>
            {open ? `${plural(open, 'open task')}` : 'No open tasks'}
            {p.documentCount > 0 && ` · ${plural(p.documentCount, 'doc')}`}
          </span>
          <Tooltip content="Last activity">
            <span className="relative z-10">
              <RelativeTime date={p.lastActivityAt} />
            </span>
          </Tooltip>
        </div>
      </div>
    </li>
  );
}

function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 200);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="relative min-w-48 flex-1 sm:max-w-xs">
      <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
      <Input
        type="search"
        aria-label="Search projects by title or description"
        placeholder="Search projects…"
        data-slash-focus
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && onChange(text)}
        className="pl-8"
      />
    </div>
  );
}

function CardsSkeleton() {
  return (
    <div role="status" className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3">
      <span className="sr-only">Loading projects</span>
      {Array.from({ length: 6 }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <div key={i} className="grid gap-4 rounded-xl border border-border bg-surface p-4">
          <Skeleton className="h-4 w-2/3" />
          <Skeleton className="h-3 w-1/3" />
          <Skeleton className="h-1.5 w-full" />
          <Skeleton className="h-8 w-full" />
        </div>
      ))}
    </div>
  );
}

/**
 * The projects list: pinned first, then by title, each card with its tasks
 * per column, repository, documents and last activity; search in the URL.
 */
export function ProjectsView() {
  const trpc = useTRPC();
  const router = useRouter();
  const { can } = useSession();
  const { params, set } = useUrlState();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const [creating, setCreating] = useState(params.get('new') === '1');
  const [editing, setEditing] = useState<Summary | null>(null);
  const [deleting, setDeleting] = useState<Summary | null>(null);
  const list = useQuery({
    ...trpc.projects.summaries.queryOptions({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(q ? { query: q } : {}) }),
    placeholderData: keepPreviousData,
  });
  const total = list.data?.total ?? 0;

  const create = can('write') && (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-project">
      <Plus aria-hidden /> New project
    </Button>
  );

  let body: React.ReactNode;
  if (list.isPending) body = <CardsSkeleton />;
  else if (list.isError && !list.data) body = <ErrorState error={list.error} onRetry={() => list.refetch()} />;
  else if (total === 0 && !q)
    body = (
      <EmptyState
        icon={FolderKanban}
        title="No projects yet"
        description={
          can('write')
            ? 'A project holds a live kanban board of tasks for people and coding agents, and versioned documents. Create the first one.'
            : 'Nothing here yet. Members and admins can create projects; they show up here.'
        }
        action={create}
      />
    );
  else if (total === 0)
    body = (
      <EmptyState
        icon={SearchX}
        title="No project matches"
        description={`Nothing has “${q}” in its title or description.`}
        action={<Button onClick={() => set({ q: null, page: null })}>Clear the search</Button>}
      />
    );
  else
    body = (
      <>
        <ul
          className={cn('grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3', list.isPlaceholderData && 'opacity-60')}
          aria-label="Projects"
          data-testid="projects"
        >
          {list.data!.items.map((p) => (
            <ProjectCard key={p.id} p={p} onEdit={() => setEditing(p)} onDelete={() => setDeleting(p)} />
          ))}
        </ul>
        <Pagination
          className="mt-4"
          total={total}
          offset={(page - 1) * PAGE_SIZE}
          limit={PAGE_SIZE}
          label="Projects"
          onChange={(offset) => set({ page: offset ? String(offset / PAGE_SIZE + 1) : null })}
        />
      </>
    );

  return (
    <>
      <PageHeader title="Projects" description="Live kanban boards and versioned documents, shared by people and coding agents." actions={create} />
      {(total > 0 || q) && (
        <div className="mb-4 flex flex-wrap items-center gap-2">
          <SearchBox value={q} onChange={(next) => set({ q: next || null, page: null })} />
          <span className="ml-auto text-sm text-muted-foreground tabular-nums" aria-live="polite">
            {list.data && plural(total, 'project')}
          </span>
        </div>
      )}
      {list.isError && list.data && (
        <ErrorState compact className="mb-4" title="The list could not be reloaded" error={list.error} onRetry={() => list.refetch()} />
      )}
      {body}
      <ProjectFormDialog open={creating} onOpenChange={setCreating} onCreated={(p) => router.push(`/projects/${p.id}/board`)} />
      <ProjectFormDialog open={editing !== null} onOpenChange={(o) => !o && setEditing(null)} project={editing ?? undefined} />
      {deleting && <DeleteProjectDialog project={deleting} open onOpenChange={(o) => !o && setDeleting(null)} />}
    </>
  );
}
