'use client';

import { useQuery } from '@tanstack/react-query';
import { Download, ExternalLink, FileUp, Globe, RefreshCw, Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { type ReactNode, useState } from 'react';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { ErrorState } from '../../../../_components/ui/error-state';
import { PageHeader } from '../../../../_components/ui/page-header';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../../_components/ui/tabs';
import { useSession } from '../../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { formatCount, formatDateTime, formatRelative, KIND_LABELS, REFRESH_LABELS, TYPE_LABELS } from '../../format';
import { JobProgressPanel } from '../../job-progress';
import { isActive, LiveJobsProvider, useSourceJob } from '../../live-jobs';
import { DeleteSourceDialog, exportHref, useRefreshSource } from '../../source-actions';
import { EmbeddingBadge } from '../../sources-table';
import { useUrlState } from '../../url-state';
import { ChunksTab } from './chunks-tab';
import { CodeTab } from './code-tab';
import { JobsTab } from './jobs-tab';
import { PagesTab } from './pages-tab';
import { SettingsTab } from './settings-tab';

export type Source = RouterOutputs['knowledge']['source'];
const TABS = ['pages', 'chunks', 'code', 'jobs', 'settings'] as const;
type Tab = (typeof TABS)[number];

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0 px-4 py-3" data-testid={testId}>
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="mt-1 truncate text-lg font-semibold tabular-nums tracking-tight">{children}</dd>
    </div>
  );
}

function Header({ source, onDelete }: { source: Source; onDelete: () => void }) {
  const { can } = useSession();
  const refresh = useRefreshSource();
  const job = useSourceJob(source.id);
  const running = job !== undefined && isActive(job.status);
  const external = source.url && /^https?:\/\//i.test(source.url);
  const KindIcon = source.kind === 'url' ? Globe : FileUp;
  return (
    <PageHeader
      breadcrumbs={[{ label: 'Knowledge', href: '/knowledge' }, { label: source.title }]}
      title={<span data-testid="source-heading">{source.title}</span>}
      description={
        <span className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
          {external ? (
            <a
              href={source.url!}
              rel="noopener noreferrer nofollow"
              target="_blank"
              className="focus-ring inline-flex min-w-0 max-w-full items-center gap-1 rounded-sm font-mono text-[13px] text-accent-text underline-offset-2 hover:underline"
            >
              <span className="truncate">{source.url}</span>
              <ExternalLink aria-hidden className="size-3.5 shrink-0" />
              <span className="sr-only">(opens in a new tab)</span>
            </a>
          ) : (
            <span className="text-sm">Uploaded files</span>
          )}
          <span className="inline-flex flex-wrap items-center gap-1.5">
            <Badge variant="neutral">
              <KindIcon aria-hidden /> {KIND_LABELS[source.kind]}
            </Badge>
            <Badge variant="neutral">{TYPE_LABELS[source.knowledgeType]}</Badge>
            {source.tags.map((t) => (
              <Badge key={t} variant="outline">
                {t}
              </Badge>
            ))}
          </span>
        </span>
      }
      actions={
        <>
          {can('write') && source.kind === 'url' && (
            <Button loading={refresh.isPending} disabled={running} onClick={() => refresh.mutate({ id: source.id })}>
              <RefreshCw aria-hidden /> Refresh now
            </Button>
          )}
          <Button asChild>
            <a href={exportHref(source.id)} download data-testid="export-source">
              <Download aria-hidden /> Export
            </a>
          </Button>
          {can('write') && (
            <Button variant="ghost" className="text-destructive-text hover:bg-destructive-subtle" onClick={onDelete}>
              <Trash2 aria-hidden /> Delete
            </Button>
          )}
        </>
      }
    />
  );
}

function Overview({ source }: { source: Source }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.knowledge.sourceStatuses.queryOptions({ ids: [source.id] }));
  const job = useSourceJob(source.id);
  const s = status.data?.items[0];
  const lastRefresh = source.lastCrawledAt ?? s?.lastCompletedAt ?? null;
  return (
    <dl className="mb-6 grid grid-cols-2 divide-border overflow-hidden rounded-xl border border-border bg-surface shadow-xs sm:grid-cols-3 lg:grid-cols-6 lg:divide-x [&>*]:border-border max-lg:[&>*]:border-b">
      <Stat label="Pages" testId="stat-pages">
        {formatCount(source.pageCount)}
      </Stat>
      <Stat label="Chunks" testId="stat-chunks">
        {formatCount(source.chunkCount)}
      </Stat>
      <Stat label="Code examples" testId="stat-code">
        {formatCount(source.codeExampleCount)}
      </Stat>
      <Stat label="Embeddings">
        <span className="text-sm font-normal">
          <EmbeddingBadge status={s} indexing={job !== undefined && isActive(job.status)} />
        </span>
      </Stat>
      <Stat label="Last refresh">
        {lastRefresh ? (
          <time dateTime={new Date(lastRefresh).toISOString()} title={formatDateTime(lastRefresh)} className="text-base">
            {formatRelative(lastRefresh)}
          </time>
        ) : (
          <span className="text-base text-muted-foreground">Never</span>
        )}
      </Stat>
      <Stat label="Schedule">
        <span className="text-base">{source.kind === 'upload' ? 'Not refreshed' : REFRESH_LABELS[source.refreshInterval]}</span>
        {source.nextRefreshAt && (
          <span className="block truncate text-xs font-normal text-muted-foreground" title={formatDateTime(source.nextRefreshAt)}>
            next {formatRelative(source.nextRefreshAt)}
          </span>
        )}
      </Stat>
    </dl>
  );
}

function LiveJob({ sourceId }: { sourceId: string }) {
  const job = useSourceJob(sourceId);
  // A job that ended while the page was open stays in view with its outcome; one that ended before is in the Jobs tab.
  if (!job || (!isActive(job.status) && !job.seenActive)) return null;
  return <JobProgressPanel job={job} className="mb-6" />;
}

/**
 * A source's page. The source itself comes with the page from the server (so
 * the title is there at once and a missing id is a real 404); everything else
 * loads per tab, and live job progress streams in.
 */
export function SourceDetail({ initial }: { initial: Source }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { params, set } = useUrlState();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const source = useQuery({ ...trpc.knowledge.source.queryOptions({ id: initial.id }), initialData: initial });
  const tabParam = params.get('tab') as Tab | null;
  const tab: Tab = tabParam && TABS.includes(tabParam) ? tabParam : 'pages';

  if (source.isError && !source.data) return <ErrorState error={source.error} onRetry={() => source.refetch()} />;
  const s = source.data;
  return (
    <LiveJobsProvider sourceId={s.id}>
      <Header source={s} onDelete={() => setConfirmOpen(true)} />
      {source.isError && (
        <ErrorState compact className="mb-6" title="This source could not be reloaded" error={source.error} onRetry={() => source.refetch()} />
      )}
      <Overview source={s} />
      <LiveJob sourceId={s.id} />
      <Tabs value={tab} onValueChange={(v) => set({ tab: v === 'pages' ? null : v, q: null, page: null })}>
        <TabsList aria-label="Source sections" className="overflow-x-auto">
          <TabsTrigger value="pages">
            Pages <Count n={s.pageCount} />
          </TabsTrigger>
          <TabsTrigger value="chunks">
            Chunks <Count n={s.chunkCount} />
          </TabsTrigger>
          <TabsTrigger value="code">
            Code examples <Count n={s.codeExampleCount} />
          </TabsTrigger>
          <TabsTrigger value="jobs">Jobs</TabsTrigger>
          <TabsTrigger value="settings">Settings</TabsTrigger>
        </TabsList>
        <TabsContent value="pages">
          <PagesTab sourceId={s.id} />
        </TabsContent>
        <TabsContent value="chunks">
          <ChunksTab sourceId={s.id} />
        </TabsContent>
        <TabsContent value="code">
          <CodeTab sourceId={s.id} />
        </TabsContent>
        <TabsContent value="jobs">
          <JobsTab sourceId={s.id} />
        </TabsContent>
        <TabsContent value="settings">
          <SettingsTab source={s} />
        </TabsContent>
      </Tabs>
      <DeleteSourceDialog source={s} open={confirmOpen} onOpenChange={setConfirmOpen} onDeleted={() => router.push('/knowledge')} />
    </LiveJobsProvider>
  );
}

function Count({ n }: { n: number }) {
  return <span className="rounded-full bg-muted px-1.5 text-xs tabular-nums text-muted-foreground">{formatCount(n)}</span>;
}
