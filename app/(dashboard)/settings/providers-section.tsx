'use client';

import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../_components/ui/card';
import { ErrorState } from '../../_components/ui/error-state';
import { Skeleton, SkeletonText } from '../../_components/ui/skeleton';
import { cn } from '../../_lib/cn';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';
import { EmbeddingStatus } from './embedding-status';
import { ProviderForm } from './provider-form';

type Effective = RouterOutputs['settings']['effective'];

const bytes = (b: number) => (b >= 1024 * 1024 ? `${Math.round(b / 1024 / 1024)} MB` : `${Math.round(b / 1024)} kB`);

function CardSkeleton({ label }: { label: string }) {
  return (
    <div role="status" className="rounded-xl border border-border bg-surface p-5 shadow-xs">
      <span className="sr-only">{label}</span>
      <Skeleton className="mb-2 h-4 w-40" />
      <Skeleton className="mb-5 h-3.5 w-80 max-w-full" />
      <SkeletonText lines={3} />
    </div>
  );
}

/** The admin part of the settings page: both providers, editable, and the read-only defaults. */
export function ProvidersSection() {
  const trpc = useTRPC();
  const saved = useQuery(trpc.settings.providers.queryOptions());
  const effective = useQuery(trpc.settings.effective.queryOptions());
  if (saved.isPending || effective.isPending) {
    return (
      <>
        <CardSkeleton label="Loading the provider settings" />
        <CardSkeleton label="Loading the chat model settings" />
      </>
    );
  }
  if (saved.isError || effective.isError) {
    const q = saved.isError ? saved : effective;
    return <ErrorState error={q.error} title="The provider settings could not be loaded" onRetry={() => q.refetch()} />;
  }
  return (
    <>
      <ProviderForm
        kind="embedding"
        title="Embeddings"
        saved={saved.data.embedding}
        effective={effective.data}
        description="The model that turns text into vectors for search. A new model or dimension re-embeds what is stored; search keeps working by text meanwhile."
      >
        <EmbeddingStatus />
      </ProviderForm>
      <ProviderForm
        kind="chat"
        title="Chat model"
        saved={saved.data.chat}
        effective={effective.data}
        description="Optional. Names and summarises code examples and sources, and writes contextual embeddings when they are on."
      />
      <DefaultsCard effective={effective.data} />
    </>
  );
}

function Row({ label, value, variable }: { label: string; value: ReactNode; variable: string }) {
  return (
    <div className="contents">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{value}</dd>
      <dd className={cn('hidden text-xs text-muted-foreground sm:block', /^[A-Z_]+$/.test(variable) && 'font-mono')}>{variable}</dd>
    </div>
  );
}

const on = (v: boolean) => (v ? 'On' : 'Off');

/**
 * Search, crawling and uploads have no saved settings: the environment sets
 * them at start (and a crawl's own options travel with each crawl). Shown
 * here as they are in effect, each with the variable that changes it.
 */
function DefaultsCard({ effective }: { effective: Effective }) {
  const { search, crawl, uploads, chat } = effective;
  const d = crawl.defaults;
  const mono = (s: ReactNode) => <span className="font-mono text-[13px]">{s}</span>;
  return (
    <Card aria-labelledby="defaults-title">
      <CardHeader>
        <div>
          <CardTitle id="defaults-title">Search and crawling</CardTitle>
          <CardDescription>
            Set by environment variables when Archon starts, so they are shown here, not edited. A crawl's own options (depth, pages, patterns) are
            chosen with each crawl.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-x-6 gap-y-2.5 border-t border-border pt-4 text-sm sm:grid-cols-[11rem_1fr_auto]" data-testid="defaults">
          <Row
            label="Reranking"
            value={search.rerank ? `${search.rerank.model} (${search.rerank.provider}), top ${search.rerank.candidates}` : 'Off'}
            variable="RERANK_PROVIDER"
          />
          <Row label="Contextual embeddings" value={on(chat.contextualEmbeddings)} variable="CONTEXTUAL_EMBEDDINGS" />
          <Row
            label="Query rewriting"
            value={search.queryRewrite ? `${search.queryRewrite.mode} by the chat model, ${search.queryRewrite.timeoutMs} ms at most` : 'Off'}
            variable="QUERY_REWRITE"
          />
          <Row label="Vector candidates" value={mono(search.efSearch)} variable="HNSW_EF_SEARCH" />
          <Row label="Searches per minute" value={mono(search.perMinute)} variable="RATE_LIMIT_SEARCH_PER_MINUTE" />
          <Row
            label="Crawl defaults"
            value={`depth ${d.maxDepth}, ${d.maxPages.toLocaleString()} pages, ${d.concurrency} at once, ${d.scope} scope, robots.txt ${d.respectRobots ? 'followed' : 'ignored'}`}
            variable="chosen per crawl"
          />
          <Row
            label="Private addresses"
            value={
              crawl.allowPrivateNetwork
                ? 'Allowed (cloud metadata addresses stay blocked)'
                : crawl.allowedHosts.length
                  ? mono(crawl.allowedHosts.join(', '))
                  : 'Blocked'
            }
            variable={crawl.allowPrivateNetwork ? 'CRAWL_ALLOW_PRIVATE_NETWORK' : 'CRAWL_ALLOWED_HOSTS'}
          />
          <Row label="User agent" value={mono(crawl.userAgent)} variable="CRAWL_USER_AGENT" />
          <Row label="Crawls per minute" value={mono(crawl.perMinute)} variable="RATE_LIMIT_CRAWL_PER_MINUTE" />
          <Row
            label="Uploads"
            value={`up to ${uploads.maxFiles} files of ${bytes(uploads.maxFileBytes)} each, ${uploads.perMinute} per minute`}
            variable="UPLOAD_MAX_FILE_BYTES"
          />
        </dl>
      </CardContent>
    </Card>
  );
}
