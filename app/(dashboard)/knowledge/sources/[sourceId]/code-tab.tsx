'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronRight, Code2 } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { CodeBlock } from '../../../../_components/ui/code-block';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Pagination } from '../../../../_components/ui/pagination';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { Skeleton } from '../../../../_components/ui/skeleton';
import { cn } from '../../../../_lib/cn';
import { useTRPC } from '../../../../_lib/trpc';
import { formatCount } from '../../format';
import { TabSearch } from './tab-search';

const LIMIT = 10;
const ANY = '*any';

/** The source's code examples, highlighted, with a copy button each; filter by language or text. */
export function CodeTab({ sourceId }: { sourceId: string }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState('');
  const [language, setLanguage] = useState(ANY);
  const [offset, setOffset] = useState(0);
  const examples = useQuery({
    ...trpc.knowledge.listCodeExamples.queryOptions({
      sourceId,
      limit: LIMIT,
      offset,
      ...(query ? { query } : {}),
      ...(language !== ANY ? { language } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const languages = examples.data?.languages ?? [];
  return (
    <div className="grid grid-cols-1 gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <TabSearch
          label="Filter code examples"
          placeholder="Filter by name, summary or code…"
          value={query}
          onChange={(q) => {
            setQuery(q);
            setOffset(0);
          }}
        />
        <Select
          value={language}
          onValueChange={(v) => {
            setLanguage(v);
            setOffset(0);
          }}
        >
          <SelectTrigger aria-label="Language" className="w-auto min-w-40">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>Every language</SelectItem>
            {languages.map((l) => (
              <SelectItem key={l.language || 'none'} value={l.language || 'none'} disabled={!l.language}>
                {l.language || 'No language'} ({formatCount(l.count)})
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      {examples.isPending ? (
        <div role="status" className="grid grid-cols-1 gap-3">
          <span className="sr-only">Loading code examples</span>
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-40 rounded-xl" />
          ))}
        </div>
      ) : examples.isError ? (
        <ErrorState compact error={examples.error} onRetry={() => examples.refetch()} />
      ) : examples.data.total === 0 ? (
        <EmptyState
          icon={Code2}
          headingLevel={3}
          title={query || language !== ANY ? 'No example matches' : 'No code examples'}
          description={
            query || language !== ANY
              ? 'Try other words or every language.'
              : 'Code blocks of 40 characters or more in the pages become examples; this source has none.'
          }
        />
      ) : (
        <div className={cn('grid grid-cols-1 gap-4', examples.isPlaceholderData && 'opacity-60')}>
          {examples.data.items.map((e) => (
            <article key={e.id} data-testid="code-example" className="rounded-xl border border-border bg-surface p-4 shadow-xs">
              <header className="mb-3 flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <h3 className="text-base font-semibold tracking-tight">{e.name || `Example ${e.exampleIndex + 1}`}</h3>
                  {e.summary && <p className="mt-0.5 text-sm text-muted-foreground">{e.summary}</p>}
                  <p className="mt-1 flex min-w-0 flex-wrap items-center gap-1 text-xs text-muted-foreground">
                    <Link href={`/knowledge/pages/${e.pageId}`} className="focus-ring truncate rounded-sm text-accent-text hover:underline">
                      {e.pageTitle || e.url}
                    </Link>
                    {e.headingPath.map((h, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: a heading path may repeat a title
                      <span key={i} className="flex items-center gap-1">
                        <ChevronRight aria-hidden className="size-3" />
                        {h}
                      </span>
                    ))}
                  </p>
                </div>
                {e.language && <Badge variant="accent">{e.language}</Badge>}
              </header>
              <CodeBlock code={e.code} language={e.language} label={`Copy ${e.name || 'example'}`} />
            </article>
          ))}
          <Pagination total={examples.data.total} offset={offset} limit={LIMIT} onChange={setOffset} label="Code examples" />
        </div>
      )}
    </div>
  );
}
