'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { BookOpen, Code2, FilterX, Layers, Search, SearchX, Tag } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert } from '../../_components/ui/alert';
import { Button } from '../../_components/ui/button';
import { EmptyState } from '../../_components/ui/empty-state';
import { ErrorState } from '../../_components/ui/error-state';
import { Kbd } from '../../_components/ui/kbd';
import { SegmentedControl } from '../../_components/ui/segmented-control';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { Skeleton, SkeletonText } from '../../_components/ui/skeleton';
import { Spinner } from '../../_components/ui/spinner';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../_components/ui/tabs';
import { cn } from '../../_lib/cn';
import { useTRPC, useTRPCClient } from '../../_lib/trpc';
import { FilterMenu } from './filter-menu';
import { termPattern } from './highlight';
import { ChunkResult, CodeResult, PageResult } from './results';
import {
  filtersActive,
  KNOWLEDGE_TYPES,
  type KnowledgeType,
  MAX_QUERY,
  MODE_LABELS,
  parseSearch,
  SEARCH_MODES,
  type SearchMode,
  type SearchState,
  type SearchTab,
  searchFilters,
  serializeSearch,
  TYPE_LABELS,
} from './search-params';

const LIMIT = 20;
const SOURCES_INPUT = { limit: 200, sort: 'title' } as const;
/** Typing searches after this pause; Enter searches at once. */
const TYPING_DELAY_MS = 300;

/**
 * The search's state from the URL, and navigation that changes it (push: a step the back button returns to).
 * Writes go through the history API, which Next.js folds into useSearchParams, and each change is made to the
 * URL as it is now rather than to the last render's state: two filters changed in quick succession both stay.
 */
function useUrlSearchState() {
  const pathname = usePathname();
  const params = useSearchParams();
  const state = useMemo(() => parseSearch(new URLSearchParams(params.toString())), [params]);
  const go = useCallback(
    (patch: Partial<SearchState>, how: 'push' | 'replace' = 'push') => {
      const current = parseSearch(new URLSearchParams(window.location.search));
      const qs = serializeSearch({ ...current, ...patch });
      const url = qs ? `${pathname}?${qs}` : pathname;
      if (how === 'push') window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    },
    [pathname],
  );
  return { state, go };
}

export function SearchView() {
  const { state, go } = useUrlSearchState();
  const trpc = useTRPC();
  const [draft, setDraft] = useState(state.q);
  // The query this page last put in the URL: a different one there came from outside (back button, a shared link).
  const sent = useRef(state.q);
  useEffect(() => {
    if (state.q !== sent.current) setDraft(state.q);
    sent.current = state.q;
  }, [state.q]);

  const submitQuery = useCallback(
    (q: string, how: 'push' | 'replace') => {
      if (q.trim() === state.q.trim()) return;
      sent.current = q.trim();
      go({ q: q.trim() }, how);
    },
    [go, state],
  );
  useEffect(() => {
    if (draft.trim() === state.q.trim()) return;
    // While typing, the URL follows without a history entry per word; the first word of a new search gets one.
    const t = setTimeout(() => submitQuery(draft, state.q ? 'replace' : 'push'), TYPING_DELAY_MS);
    return () => clearTimeout(t);
  }, [draft, state.q, submitQuery]);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submitQuery(draft, 'push');
  };
  // A filter change searches what the box shows, even if the pause after typing has not passed yet.
  const set = (patch: Partial<SearchState>) => {
    sent.current = draft.trim();
    go({ ...patch, q: draft.trim() });
  };

  const client = useTRPCClient();
  const sources = useQuery({
    ...trpc.knowledge.sources.queryOptions(SOURCES_INPUT),
    // Every source for the filter, 200 at a time (the most one call returns): one past the first 200 could not be picked.
    queryFn: async ({ signal }) => {
      const first = await client.knowledge.sources.query(SOURCES_INPUT, { signal });
      const items = [...first.items];
      while (items.length < first.total) {
        const next = await client.knowledge.sources.query({ ...SOURCES_INPUT, offset: items.length }, { signal });
        if (next.items.length === 0) break;
        items.push(...next.items);
      }
      return { ...first, items };
    },
  });
  const tags = useQuery(trpc.knowledge.sourceTags.queryOptions());
  const query = state.q.trim();
  const filters = searchFilters(state);
  const docs = useQuery({
    ...trpc.knowledge.search.queryOptions({ query, mode: state.mode, limit: LIMIT, returnMode: state.returnMode, highlight: true, ...filters }),
    enabled: query !== '' && state.tab === 'docs',
    placeholderData: keepPreviousData,
  });
  const code = useQuery({
    ...trpc.knowledge.searchCode.queryOptions({ query, mode: state.mode, limit: LIMIT, highlight: true, ...filters }),
    enabled: query !== '' && state.tab === 'code',
    placeholderData: keepPreviousData,
  });

  const sourceOptions = (sources.data?.items ?? []).map((s) => ({ value: s.id, label: s.title, hint: s.kind === 'upload' ? 'upload' : undefined }));
  const tagOptions = (tags.data ?? []).map((t) => ({ value: t.tag, label: t.tag, hint: String(t.sources) }));
  const active = filtersActive(state);
  const clearFilters = () => set({ sources: [], tags: [], type: null });
  const busy = state.tab === 'docs' ? docs.isFetching : code.isFetching;

  return (
    // One column of minmax(0, 1fr): a long result (a URL, a line of code) wraps or scrolls inside instead of widening the page.
    <div className="grid grid-cols-1 gap-4">
      <search>
        <form onSubmit={onSubmit} className="relative">
          <label htmlFor="search-query" className="sr-only">
            Search query
          </label>
          <Search aria-hidden className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
          <input
            id="search-query"
            data-slash-focus
            data-testid="search-input"
            type="search"
            value={draft}
            maxLength={MAX_QUERY}
            autoComplete="off"
            spellCheck={false}
            placeholder={state.tab === 'code' ? 'Search code examples…' : 'Search documentation, guides and notes…'}
            onChange={(e) => setDraft(e.target.value)}
            className={cn(
              'h-11 w-full rounded-lg border border-input bg-surface pl-9 pr-24 text-base text-foreground shadow-xs outline-none',
              'transition-[border-color,box-shadow] duration-100 placeholder:text-muted-foreground',
              'focus-visible:border-ring focus-visible:ring-3 focus-visible:ring-ring/25 [&::-webkit-search-cancel-button]:hidden',
            )}
          />
          <div className="absolute right-2 top-1/2 flex -translate-y-1/2 items-center gap-2">
            {busy ? <Spinner className="text-muted-foreground" label="Searching" /> : <Kbd aria-hidden>/</Kbd>}
            <Button type="submit" size="sm" variant="ghost" className="h-7">
              Search
            </Button>
          </div>
        </form>
      </search>

      <Tabs value={state.tab} onValueChange={(tab) => set({ tab: tab as SearchTab })}>
        <TabsList aria-label="What to search">
          <TabsTrigger value="docs" data-testid="tab-docs">
            <BookOpen aria-hidden /> Documents
          </TabsTrigger>
          <TabsTrigger value="code" data-testid="tab-code">
            <Code2 aria-hidden /> Code examples
          </TabsTrigger>
        </TabsList>

        <div className="mt-3 flex flex-wrap items-center gap-2" data-testid="search-filters">
          <Select value={state.mode} onValueChange={(mode) => set({ mode: mode as SearchMode })}>
            <SelectTrigger aria-label="Search mode" data-testid="filter-mode" className="h-7 w-auto gap-1.5">
              <span className="text-muted-foreground">Mode:</span>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {SEARCH_MODES.map((m) => (
                <SelectItem key={m} value={m}>
                  {MODE_LABELS[m]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          <FilterMenu
            label="Sources"
            icon={<Layers aria-hidden />}
            options={sourceOptions}
            selected={state.sources}
            onChange={(next) => set({ sources: next })}
            emptyText={sources.isPending ? 'Loading sources…' : 'No sources yet'}
            testId="filter-sources"
          />
          <FilterMenu
            label="Tags"
            icon={<Tag aria-hidden />}
            options={tagOptions}
            selected={state.tags}
            onChange={(next) => set({ tags: next })}
            emptyText={tags.isPending ? 'Loading tags…' : 'No tags yet'}
            testId="filter-tags"
          />
          <Select value={state.type ?? 'any'} onValueChange={(t) => set({ type: t === 'any' ? null : (t as KnowledgeType) })}>
            <SelectTrigger
              aria-label="Knowledge type"
              data-testid="filter-type"
              className={cn('h-7 w-auto gap-1.5', state.type && 'border-accent/50 bg-accent-subtle text-accent-text')}
            >
              <span className={cn(!state.type && 'text-muted-foreground')}>Type:</span>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any</SelectItem>
              {KNOWLEDGE_TYPES.map((t) => (
                <SelectItem key={t} value={t}>
                  {TYPE_LABELS[t]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          {active && (
            <Button variant="ghost" size="sm" onClick={clearFilters} data-testid="clear-filters">
              <FilterX aria-hidden /> Clear filters
            </Button>
          )}
          {state.tab === 'docs' && (
            <SegmentedControl
              label="Show results as"
              className="ml-auto"
              value={state.returnMode}
              onChange={(returnMode) => set({ returnMode })}
              options={[
                { value: 'chunks', label: 'Sections', testId: 'return-chunks' },
                { value: 'pages', label: 'Pages', testId: 'return-pages' },
              ]}
            />
          )}
        </div>

        <TabsContent value="docs" className="mt-5">
          <Results
            state={state}
            query={query}
            result={docs}
            noSources={sources.data?.total === 0}
            onClearFilters={clearFilters}
            onSet={set}
            render={(data, pattern) =>
              data.returnMode === 'pages'
                ? data.results.map((hit) => <PageResult key={hit.pageId} hit={hit} pattern={pattern} />)
                : data.results.map((hit) => <ChunkResult key={hit.chunkId} hit={hit} pattern={pattern} />)
            }
          />
        </TabsContent>
        <TabsContent value="code" className="mt-5">
          <Results
            state={state}
            query={query}
            result={code}
            noSources={sources.data?.total === 0}
            onClearFilters={clearFilters}
            onSet={set}
            render={(data, pattern) => data.results.map((hit) => <CodeResult key={hit.id} hit={hit} pattern={pattern} />)}
          />
        </TabsContent>
      </Tabs>
    </div>
  );
}

type AnyResult = { results: unknown[]; warnings: string[]; terms?: string[] };

function Results<T extends AnyResult>({
  state,
  query,
  result,
  noSources,
  onClearFilters,
  onSet,
  render,
}: {
  state: SearchState;
  query: string;
  result: {
    data: T | undefined;
    isPending: boolean;
    isError: boolean;
    error: unknown;
    isPlaceholderData: boolean;
    isFetching: boolean;
    refetch: () => unknown;
  };
  noSources: boolean;
  onClearFilters: () => void;
  onSet: (patch: Partial<SearchState>) => void;
  render: (data: T, pattern: RegExp | null) => ReactNode;
}) {
  const pattern = useMemo(() => termPattern(result.data?.terms), [result.data?.terms]);
  const code = state.tab === 'code';
  if (!query) {
    if (noSources)
      return (
        <EmptyState
          icon={BookOpen}
          title="Nothing to search yet"
          description="Search looks through the sources in your knowledge base. Crawl a documentation site or upload files first."
          action={
            <Button asChild variant="primary">
              <Link href="/knowledge">Add knowledge</Link>
            </Button>
          }
        />
      );
    return <SearchTips code={code} />;
  }
  if (result.isError && !result.data) return <ErrorState error={result.error} title="Search failed" onRetry={result.refetch} />;
  if (result.isPending || !result.data) return <ResultsSkeleton />;
  const data = result.data;
  const stale = result.isPlaceholderData && result.isFetching;
  const what = code ? 'code example' : state.returnMode === 'pages' ? 'page' : 'section';
  return (
    <section aria-labelledby="results-heading" aria-busy={stale || undefined} className={cn('transition-opacity', stale && 'opacity-60')}>
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="results-heading" className="text-sm font-medium text-muted-foreground" data-testid="results-summary">
          <span role="status">
            {data.results.length === 0
              ? 'No results'
              : `${data.results.length}${data.results.length === LIMIT ? '+' : ''} ${what}${data.results.length === 1 ? '' : 's'}`}
          </span>
          <span className="font-normal">
            {' '}
            for “<span className="text-foreground">{query}</span>” · {MODE_LABELS[state.mode].toLowerCase()}
          </span>
        </h2>
      </div>
      {data.warnings.length > 0 && (
        <Alert variant="warning" className="mb-3" title="Results may be incomplete">
          {data.warnings.map((w) => (
            <p key={w}>{w.charAt(0).toUpperCase() + w.slice(1)}.</p>
          ))}
        </Alert>
      )}
      {data.results.length === 0 ? (
        <NoResults state={state} query={query} onClearFilters={onClearFilters} onSet={onSet} />
      ) : (
        <ol className="grid grid-cols-1 gap-3" data-testid="search-results">
          {render(data, pattern)}
        </ol>
      )}
    </section>
  );
}

function NoResults({
  state,
  query,
  onClearFilters,
  onSet,
}: {
  state: SearchState;
  query: string;
  onClearFilters: () => void;
  onSet: (patch: Partial<SearchState>) => void;
}) {
  const active = filtersActive(state);
  const other = state.tab === 'code' ? 'documents' : 'code examples';
  return (
    <EmptyState
      icon={SearchX}
      title={`Nothing matches “${query.length > 60 ? `${query.slice(0, 60)}…` : query}”`}
      description={
        active
          ? 'The filters narrow the search to a few sources. Loosen them, or try other words.'
          : state.mode !== 'hybrid'
            ? `${MODE_LABELS[state.mode]} search found nothing. Hybrid search combines meaning and exact words and finds more.`
            : 'Try other or fewer words, or a question in plain language.'
      }
      action={
        <>
          {active && (
            <Button variant="primary" onClick={onClearFilters}>
              <FilterX aria-hidden /> Clear filters
            </Button>
          )}
          {state.mode !== 'hybrid' && <Button onClick={() => onSet({ mode: 'hybrid' })}>Search in hybrid mode</Button>}
          <Button variant="ghost" onClick={() => onSet({ tab: state.tab === 'code' ? 'docs' : 'code' })}>
            Search {other} instead
          </Button>
        </>
      }
    />
  );
}

function SearchTips({ code }: { code: boolean }) {
  return (
    <EmptyState
      icon={code ? Code2 : Search}
      title={code ? 'Search code examples' : 'Search your knowledge'}
      description={
        code
          ? 'Find snippets from every source by what they do or the names they use; each comes highlighted, with a copy button.'
          : 'Ask a question or type a few words. Each result shows its page and section, with the matched words highlighted, and opens the page at that section.'
      }
    >
      <dl className="mt-6 grid max-w-2xl gap-3 text-left text-sm sm:grid-cols-3">
        {(
          [
            ['Hybrid', 'Meaning and exact words together, ranked by both. The best default.'],
            ['Vector', 'Meaning only: finds passages that say the same thing in other words.'],
            ['Full text', 'Exact words only, stemmed: “configure” also finds “configuring”.'],
          ] as const
        ).map(([term, text]) => (
          <div key={term} className="rounded-lg border border-border bg-surface px-3 py-2.5">
            <dt className="font-medium">{term}</dt>
            <dd className="mt-0.5 text-muted-foreground">{text}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-5 flex items-center gap-1.5 text-sm text-muted-foreground">
        Press <Kbd>/</Kbd> anywhere on this page to search.
      </p>
    </EmptyState>
  );
}

function ResultsSkeleton() {
  return (
    <div className="grid gap-3" role="status" aria-label="Searching">
      {[0, 1, 2].map((i) => (
        <div key={i} className="rounded-xl border border-border bg-surface px-5 py-4">
          <Skeleton className="h-4 w-2/5" />
          <Skeleton className="mt-2 h-3 w-1/4" />
          <SkeletonText lines={3} className="mt-4" />
        </div>
      ))}
    </div>
  );
}
