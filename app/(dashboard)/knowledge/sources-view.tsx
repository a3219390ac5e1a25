'use client';

import { keepPreviousData, skipToken, useQuery } from '@tanstack/react-query';
import { BookOpen, ChevronDown, FileUp, Globe, Plus, Search, SearchX, Tags as TagsIcon, X } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Button } from '../../_components/ui/button';
import { Checkbox } from '../../_components/ui/checkbox';
import { EmptyState } from '../../_components/ui/empty-state';
import { ErrorState } from '../../_components/ui/error-state';
import { Input } from '../../_components/ui/input';
import { PageHeader } from '../../_components/ui/page-header';
import { Pagination } from '../../_components/ui/pagination';
import { Popover, PopoverContent, PopoverTrigger } from '../../_components/ui/popover';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { TableSkeleton } from '../../_components/ui/skeleton';
import type { Sort } from '../../_components/ui/table';
import { cn } from '../../_lib/cn';
import { useSession } from '../../_lib/session';
import { type RouterInputs, useTRPC } from '../../_lib/trpc';
import { ADD_TABS, AddKnowledgeDialog, type AddTab } from './add-knowledge-dialog';
import { formatCount } from './format';
import { LiveJobsProvider } from './live-jobs';
import { type SortColumn, SourcesTable } from './sources-table';
import { useUrlState } from './url-state';

export const PAGE_SIZE = 50;
// What knowledge.sources accepts (server/schemas/sources.ts, common.ts): a query of 200 characters, 50 tags of 64, offsets to a million.
const MAX_QUERY = 200;
const MAX_TAG = 64;
const MAX_TAGS = 50;
const MAX_PAGE = Math.floor(1_000_000 / PAGE_SIZE) + 1;

const oneOf = <T extends string>(values: readonly T[], v: string | null): T | null => (values.includes(v as T) ? (v as T) : null);
const SORTS: SortColumn[] = ['title', 'pages', 'chunks', 'codeExamples', 'lastCrawled'];

const STEPS = [
  { icon: Globe, title: 'Crawl a docs site', text: 'Give a URL; Archon follows links, sitemaps and llms.txt within the scope you set.' },
  { icon: FileUp, title: 'Or upload files', text: 'PDF, Word, Markdown, HTML, text and zip archives become searchable pages.' },
  { icon: Search, title: 'Search it, or let agents', text: 'Hybrid search finds the right section; MCP gives your coding assistant the same.' },
];

/** The first-run guide: what a knowledge base is for and how to fill it. */
function GettingStarted({ onAdd }: { onAdd: (tab: AddTab) => void }) {
  const { can } = useSession();
  return (
    <EmptyState
      icon={BookOpen}
      title="No knowledge yet"
      description={
        can('write')
          ? 'Add a first source and it shows up here, with live progress while it is indexed.'
          : 'Nothing has been added yet. Members and admins can crawl sites and upload files; they show up here.'
      }
      action={
        can('write') && (
          <>
            <Button variant="primary" onClick={() => onAdd('crawl')}>
              <Globe aria-hidden /> Crawl a site
            </Button>
            <Button onClick={() => onAdd('upload')}>
              <FileUp aria-hidden /> Upload files
            </Button>
          </>
        )
      }
    >
      <ol className="mt-8 grid w-full max-w-3xl gap-3 text-left sm:grid-cols-3">
        {STEPS.map(({ icon: Icon, title, text }, i) => (
          <li key={title} className="rounded-lg border border-border bg-surface p-4">
            <div className="flex items-center gap-2 text-sm font-medium">
              <span className="grid size-5 place-items-center rounded-full bg-accent-subtle text-xs text-accent-text">{i + 1}</span>
              <Icon aria-hidden className="size-4 text-muted-foreground" />
              {title}
            </div>
            <p className="mt-1.5 text-sm text-muted-foreground">{text}</p>
          </li>
        ))}
      </ol>
    </EmptyState>
  );
}

function TagFilter({ selected, onChange }: { selected: string[]; onChange: (tags: string[]) => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const baseId = useId();
  const tags = useQuery({ ...trpc.knowledge.sourceTags.queryOptions(), enabled: open || selected.length > 0 });
  const all = useMemo(() => {
    const known = tags.data ?? [];
    const missing = selected.filter((t) => !known.some((k) => k.tag === t)).map((tag) => ({ tag, sources: 0 }));
    return [...known, ...missing];
  }, [tags.data, selected]);
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button className={cn(selected.length > 0 && 'border-accent/60 bg-accent-subtle text-accent-text hover:bg-accent-subtle')}>
          <TagsIcon aria-hidden />
          {selected.length === 0 ? 'Tags' : selected.length === 1 ? selected[0] : `${selected.length} tags`}
          <ChevronDown aria-hidden className="size-3.5 opacity-60" />
        </Button>
      </PopoverTrigger>
      <PopoverContent className="w-64 p-1">
        {tags.isPending && <p className="px-2 py-1.5 text-sm text-muted-foreground">Loading tags…</p>}
        {tags.isSuccess && all.length === 0 && <p className="px-2 py-1.5 text-sm text-muted-foreground">No source has tags yet.</p>}
        <fieldset className="max-h-72 overflow-y-auto">
          <legend className="sr-only">Sources with any of these tags</legend>
          {all.map(({ tag, sources }, i) => {
            // By position, not by name: tags that differ only in punctuation or script (c++ and c#) would share an id.
            const id = `${baseId}-${i}`;
            return (
              <label key={tag} htmlFor={id} className="flex min-h-8 cursor-default items-center gap-2 rounded-md px-2 text-sm hover:bg-muted">
                <Checkbox
                  id={id}
                  checked={selected.includes(tag)}
                  onCheckedChange={(c) => onChange(c === true ? [...selected, tag] : selected.filter((t) => t !== tag))}
                />
                <span className="min-w-0 flex-1 truncate">{tag}</span>
                <span className="text-xs tabular-nums text-muted-foreground">{sources || ''}</span>
              </label>
            );
          })}
        </fieldset>
        {selected.length > 0 && (
          <div className="mt-1 border-t border-border p-1">
            <Button variant="ghost" size="sm" className="w-full" onClick={() => onChange([])}>
              Clear tags
            </Button>
          </div>
        )}
      </PopoverContent>
    </Popover>
  );
}

/** A text box that writes to the URL once typing pauses. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  // The filters this box wrote that the URL has not answered yet. The URL answers a moment later (Next.js renders the
  // new address in a transition), on a slow machine after the next letters were sent too; letters typed meanwhile must
  // stay. Only a value this box did not write (Clear, the back button, a link) replaces the text.
  const sent = useRef<string[]>([]);
  useEffect(() => {
    const answered = sent.current.indexOf(value);
    if (answered === -1) setText(value);
    sent.current = answered === -1 ? [] : sent.current.slice(answered + 1);
  }, [value]);
  const send = (next: string) => {
    if (next === value) return;
    sent.current.push(next);
    onChange(next);
  };
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => {
      sent.current.push(text);
      onChange(text);
    }, 250);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="relative min-w-48 flex-1 sm:max-w-xs">
      <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
      <Input
        type="search"
        aria-label="Filter sources by title, URL or summary"
        placeholder="Filter sources…"
        data-slash-focus
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && send(text)}
        className="pl-8"
      />
    </div>
  );
}

/**
 * The sources list: filters, sort and page in the URL, 50 rows a page from
 * the server (so a thousand sources cost what fifty do), each row with its
 * embedding state and, while a job runs on it, that job's live progress.
 */
export function SourcesView() {
  const trpc = useTRPC();
  const { can } = useSession();
  const { params, set } = useUrlState();

  // Values the server would refuse (an old or hand-edited link) are cut to what it takes rather than shown as an error.
  const q = (params.get('q') ?? '').replace(/\0/g, '').slice(0, MAX_QUERY);
  const type = oneOf(['technical', 'business'], params.get('type'));
  const kind = oneOf(['url', 'upload'], params.get('kind'));
  const tags = useMemo(
    () => [...new Set(params.getAll('tag').map((t) => t.trim()))].filter((t) => t && t.length <= MAX_TAG && !/[\r\n\0]/.test(t)).slice(0, MAX_TAGS),
    [params],
  );
  const sortParam = params.get('sort') as SortColumn | null;
  const column: SortColumn = sortParam && SORTS.includes(sortParam) ? sortParam : 'title';
  const direction =
    params.get('dir') === 'desc' || params.get('dir') === 'asc' ? (params.get('dir') as 'asc' | 'desc') : column === 'title' ? 'asc' : 'desc';
  const page = Math.min(MAX_PAGE, Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1));
  const addParam = params.get('add') as AddTab | null;
  const addTab = addParam && ADD_TABS.includes(addParam) && can('write') ? addParam : null;
  const filtered = Boolean(q || type || kind || tags.length);

  const input: RouterInputs['knowledge']['sources'] = {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
    ...(q ? { query: q } : {}),
    ...(type ? { knowledgeType: type } : {}),
    ...(kind ? { kind } : {}),
    ...(tags.length ? { tags } : {}),
    sort: column,
    direction,
  };
  const sources = useQuery({ ...trpc.knowledge.sources.queryOptions(input), placeholderData: keepPreviousData });
  const ids = (sources.data?.items ?? []).map((s) => s.id);
  const statuses = useQuery({
    ...trpc.knowledge.sourceStatuses.queryOptions(ids.length ? { ids } : skipToken),
    placeholderData: keepPreviousData,
  });
  const statusMap = useMemo(() => new Map((statuses.data?.items ?? []).map((s) => [s.sourceId, s])), [statuses.data]);

  const filter = (patch: Record<string, string | string[] | null>) => set({ ...patch, page: null });
  const sort: Sort<SortColumn> = { column, direction };
  const total = sources.data?.total ?? 0;
  // A page past the end (after deletions, or an old link) goes back to the last one.
  useEffect(() => {
    if (sources.data && sources.data.items.length === 0 && total > 0 && page > 1) set({ page: String(Math.ceil(total / PAGE_SIZE)) });
  }, [sources.data, total, page, set]);

  const openAdd = (tab: AddTab) => set({ add: tab });
  const empty = sources.isSuccess && total === 0 && !filtered;

  return (
    <LiveJobsProvider>
      <PageHeader
        title="Knowledge"
        description="Documentation your agents can search: crawled sites and uploaded files."
        actions={
          can('write') &&
          sources.isSuccess &&
          !empty && (
            <Button variant="primary" onClick={() => openAdd('crawl')} data-testid="add-knowledge">
              <Plus aria-hidden /> Add knowledge
            </Button>
          )
        }
      />
      {!empty && (
        <search aria-label="Filter sources" className="mb-4 flex flex-wrap items-center gap-2">
          <SearchBox value={q} onChange={(next) => filter({ q: next || null })} />
          <Select value={type ?? 'any'} onValueChange={(v) => filter({ type: v === 'any' ? null : v })}>
            <SelectTrigger aria-label="Type" className={cn('w-auto min-w-32', type && 'border-accent/60 bg-accent-subtle text-accent-text')}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any type</SelectItem>
              <SelectItem value="technical">Technical</SelectItem>
              <SelectItem value="business">Business</SelectItem>
            </SelectContent>
          </Select>
          <Select value={kind ?? 'any'} onValueChange={(v) => filter({ kind: v === 'any' ? null : v })}>
            <SelectTrigger aria-label="Kind" className={cn('w-auto min-w-32', kind && 'border-accent/60 bg-accent-subtle text-accent-text')}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any kind</SelectItem>
              <SelectItem value="url">Crawled sites</SelectItem>
              <SelectItem value="upload">Uploads</SelectItem>
            </SelectContent>
          </Select>
          <TagFilter selected={tags} onChange={(next) => filter({ tag: next })} />
          {filtered && (
            <Button variant="ghost" onClick={() => filter({ q: null, type: null, kind: null, tag: null })}>
              <X aria-hidden /> Clear
            </Button>
          )}
          {sources.isSuccess && (
            <p className="ml-auto text-sm tabular-nums text-muted-foreground" aria-live="polite">
              {formatCount(total)} {total === 1 ? 'source' : 'sources'}
              {filtered ? ' match' : ''}
            </p>
          )}
        </search>
      )}

      {sources.isPending ? (
        <TableSkeleton rows={8} columns={6} label="Loading sources" />
      ) : sources.isError ? (
        <ErrorState error={sources.error} onRetry={() => sources.refetch()} />
      ) : empty ? (
        <GettingStarted onAdd={openAdd} />
      ) : total === 0 ? (
        <EmptyState
          icon={SearchX}
          title="No source matches"
          description="Nothing matches these filters. Try fewer words, or another type, kind or tag."
          action={<Button onClick={() => filter({ q: null, type: null, kind: null, tag: null })}>Clear filters</Button>}
        />
      ) : (
        <div className={cn('grid gap-3 transition-opacity', sources.isPlaceholderData && 'opacity-60')}>
          <SourcesTable
            sources={sources.data.items}
            statuses={statusMap}
            sort={sort}
            onSort={(next) => {
              // A newly chosen count or date starts with the largest or newest; the title, from A.
              const dir = next.column === column ? next.direction : next.column === 'title' ? 'asc' : 'desc';
              set({ sort: next.column === 'title' ? null : next.column, dir, page: null });
            }}
          />
          <Pagination
            total={total}
            offset={(page - 1) * PAGE_SIZE}
            limit={PAGE_SIZE}
            label="Sources"
            onChange={(offset) => set({ page: offset === 0 ? null : String(offset / PAGE_SIZE + 1) }, { push: true })}
          />
        </div>
      )}
      {can('write') && <AddKnowledgeDialog tab={addTab} onTabChange={(tab) => set({ add: tab })} onClose={() => set({ add: null })} />}
    </LiveJobsProvider>
  );
}
