'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, History, RotateCcw } from 'lucide-react';
import { type ReactNode, useMemo } from 'react';
import { toast } from 'sonner';
import { ConfirmDialog } from '../../../../_components/ui/alert-dialog';
import { Avatar } from '../../../../_components/ui/avatar';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { DiffView } from '../../../../_components/ui/diff-view';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { Label } from '../../../../_components/ui/label';
import { RelativeTime } from '../../../../_components/ui/relative-time';
import { SegmentedControl } from '../../../../_components/ui/segmented-control';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { Skeleton, SkeletonText } from '../../../../_components/ui/skeleton';
import { Tooltip } from '../../../../_components/ui/tooltip';
import { cn } from '../../../../_lib/cn';
import { useSession } from '../../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { useUrlState } from '../../../knowledge/url-state';

export type VersionTarget = { documentId: string } | { projectId: string; fieldName: 'features' | 'data' };
export type VersionItem = RouterOutputs['versions']['list']['items'][number];
type View = 'lines' | 'words' | 'rendered';

const CHANGE_LABELS: Record<VersionItem['changeType'], { label: string; variant: 'neutral' | 'accent' | 'success' | 'warning' | 'outline' }> = {
  create: { label: 'Created', variant: 'success' },
  update: { label: 'Edited', variant: 'neutral' },
  restore: { label: 'Restored', variant: 'accent' },
  backup: { label: 'Backup', variant: 'warning' },
  manual: { label: 'Snapshot', variant: 'outline' },
};

const number = new Intl.NumberFormat('en');
const HISTORY_LIMIT = 200;

/**
 * The history of a document or of a project's features or data list: every
 * version with who made it, when and why; a diff between any two (by line or
 * by word, or the later one rendered); and restore, which the server makes in
 * two steps it shows here: a backup of the current content, then the restore.
 *
 * The compared pair lives in the URL (?from=&to=&view=), so a link shows the same comparison.
 */
export function VersionHistory({
  target,
  toText,
  render,
  unit,
  restoreBlocked,
  onRestored,
}: {
  target: VersionTarget;
  /** A version's content as the text to compare: a document's Markdown, a list's JSON. */
  toText: (content: unknown) => string;
  /** The "Rendered" view of a version, for documents (MarkdownView); none for lists. */
  render?: (content: string) => ReactNode;
  /** What `size` counts: characters or entries. */
  unit: { one: string; many: string };
  /** Why restoring is not possible now (unsaved edits), if so. */
  restoreBlocked?: string;
  onRestored?: (result: RouterOutputs['versions']['restore']) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const { params, set } = useUrlState();
  const list = useQuery(trpc.versions.list.queryOptions({ ...target, limit: HISTORY_LIMIT }));
  const items = list.data?.items ?? [];
  const latest = items[0]?.versionNumber ?? 0;

  const parsed = (key: string) => {
    const n = Number(params.get(key));
    return Number.isInteger(n) && n >= 0 && params.get(key) !== null ? n : null;
  };
  const to = parsed('to') ?? latest;
  // 0 is "nothing": the first version compared with an empty text shows all of it as added.
  const from = parsed('from') ?? Math.max(0, to - 1);
  const viewParam = params.get('view');
  const view: View = viewParam === 'words' || (viewParam === 'rendered' && render) ? viewParam : 'lines';

  // Versions never change once written, so their content is cached for good.
  const version = (n: number) => ({
    ...trpc.versions.get.queryOptions({ ...target, versionNumber: Math.max(n, 1) }),
    enabled: n > 0,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const toQ = useQuery(version(to));
  const fromQ = useQuery(version(from));

  const restore = useMutation(
    trpc.versions.restore.mutationOptions({
      onSuccess: async (result, input) => {
        const backup = result.version.versionNumber - 1;
        toast.success(`Restored version ${input.versionNumber}`, {
          description: `The content from before the restore is kept as backup version ${backup}.`,
        });
        onRestored?.(result);
        await queryClient.invalidateQueries(trpc.versions.list.queryFilter());
        // Show what the restore did: the backup against the restored content.
        set({ from: String(backup), to: String(result.version.versionNumber) });
      },
    }),
  );

  const select = (n: number) => set({ to: String(n), from: String(Math.max(0, n - 1)) });

  if (list.isPending) {
    return (
      <div className="grid gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]" aria-busy="true">
        <div className="grid gap-2 rounded-xl border border-border bg-surface p-3">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-14" />
          ))}
        </div>
        <Skeleton className="h-80 rounded-xl" />
      </div>
    );
  }
  if (list.isError) return <ErrorState compact title="The history could not be loaded" error={list.error} onRetry={() => list.refetch()} />;
  if (items.length === 0) {
    return (
      <EmptyState
        icon={History}
        headingLevel={3}
        title="No versions yet"
        description="Every save is kept here as a version, with who made it and when."
      />
    );
  }

  const toItem = items.find((v) => v.versionNumber === to);
  const fromItem = items.find((v) => v.versionNumber === from);
  const canRestore = can('write') && toItem !== undefined && to !== latest;
  const options = items.map((v) => v.versionNumber);

  return (
    <div className="grid items-start gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]" data-testid="version-history">
      <section aria-labelledby="versions-heading" className="overflow-hidden rounded-xl border border-border bg-surface">
        <div className="flex items-baseline justify-between border-b border-border px-4 py-2.5">
          <h3 id="versions-heading" className="text-sm font-semibold">
            Versions
          </h3>
          <span className="text-xs text-muted-foreground tabular-nums">{number.format(list.data.total)}</span>
        </div>
        <ol className="max-h-[36rem] overflow-y-auto p-1.5" aria-label="Versions, newest first">
          {items.map((v, i) => {
            const previous = items[i + 1];
            const delta = previous ? v.size - previous.size : null;
            const selected = v.versionNumber === to;
            const comparedFrom = v.versionNumber === from && !selected;
            const change = CHANGE_LABELS[v.changeType];
            return (
              <li key={v.id}>
                <button
                  type="button"
                  aria-pressed={selected}
                  onClick={() => select(v.versionNumber)}
                  data-testid="version-item"
                  data-version={v.versionNumber}
                  data-change-type={v.changeType}
                  className={cn(
                    'focus-ring group grid w-full gap-1 rounded-lg px-2.5 py-2 text-left transition-colors hover:bg-muted',
                    selected && 'bg-accent-subtle hover:bg-accent-subtle',
                    comparedFrom && 'bg-muted/70',
                  )}
                >
                  <span className="flex items-center gap-2">
                    <span className="font-mono text-xs font-semibold tabular-nums">v{v.versionNumber}</span>
                    <Badge variant={change.variant}>{change.label}</Badge>
                    {v.versionNumber === latest && (
                      <Badge variant="outline" className="ml-auto">
                        Current
                      </Badge>
                    )}
                    {comparedFrom && <span className="ml-auto text-xs text-muted-foreground">compared</span>}
                  </span>
                  {v.changeSummary && <span className="line-clamp-2 text-sm">{v.changeSummary}</span>}
                  <span className="flex min-w-0 items-center gap-1.5 text-xs text-muted-foreground">
                    <Avatar name={v.createdBy} className="size-4 text-[8px]" />
                    <span className="truncate">{v.createdBy}</span>
                    <span aria-hidden>·</span>
                    <RelativeTime date={v.createdAt} />
                    <span className="ml-auto shrink-0 tabular-nums">
                      {delta !== null && delta !== 0 ? (
                        <span className={delta > 0 ? 'text-success-text' : 'text-destructive-text'}>
                          {delta > 0 ? '+' : '−'}
                          {number.format(Math.abs(delta))}
                        </span>
                      ) : (
                        <>
                          {number.format(v.size)} {v.size === 1 ? unit.one : unit.many}
                        </>
                      )}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
        {list.data.total > items.length && (
          <p className="border-t border-border px-4 py-2 text-xs text-muted-foreground">
            The newest {number.format(items.length)} of {number.format(list.data.total)} versions are listed.
          </p>
        )}
      </section>

      <section aria-labelledby="compare-heading" className="grid min-w-0 gap-3">
        <div className="flex flex-wrap items-end gap-3">
          <h3 id="compare-heading" className="sr-only">
            Compare versions
          </h3>
          <div className="grid gap-1">
            <Label id="compare-from-label" className="text-xs text-muted-foreground">
              From
            </Label>
            <Select value={String(from)} onValueChange={(v) => set({ from: v })}>
              <SelectTrigger aria-labelledby="compare-from-label" className="w-40" data-testid="compare-from">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="0">Nothing (empty)</SelectItem>
                {options.map((n) => (
                  <SelectItem key={n} value={String(n)}>
                    Version {n}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <ArrowRight aria-hidden className="mb-2 size-4 text-muted-foreground" />
          <div className="grid gap-1">
            <Label id="compare-to-label" className="text-xs text-muted-foreground">
              To
            </Label>
            <Select value={String(to)} onValueChange={(v) => set({ to: v })}>
              <SelectTrigger aria-labelledby="compare-to-label" className="w-48" data-testid="compare-to">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {options.map((n) => (
                  <SelectItem key={n} value={String(n)}>
                    Version {n}
                    {n === latest ? ' (current)' : ''}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <SegmentedControl<View>
            label="Show the comparison as"
            size="md"
            className="mb-0.5"
            value={view}
            onChange={(v) => set({ view: v === 'lines' ? null : v })}
            options={[
              { value: 'lines', label: 'Lines', testId: 'diff-lines-mode' },
              { value: 'words', label: 'Words', testId: 'diff-words-mode' },
              ...(render ? [{ value: 'rendered' as const, label: 'Rendered', testId: 'diff-rendered-mode' }] : []),
            ]}
          />
          {can('write') && (
            <div className="mb-0.5 ml-auto">
              {canRestore ? (
                restoreBlocked ? (
                  <Tooltip content={restoreBlocked}>
                    {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a disabled button takes no hover or focus, so the wrapper carries the reason */}
                    <span tabIndex={0} className="focus-ring inline-flex rounded-md">
                      <Button disabled>
                        <RotateCcw aria-hidden /> Restore version {to}
                      </Button>
                    </span>
                  </Tooltip>
                ) : (
                  <ConfirmDialog
                    title={`Restore version ${to}?`}
                    description={
                      <>
                        Nothing is lost: the current content is saved first as a backup version (v{latest + 1}). Then version {to}
                        {'’'}s content becomes current, as version {latest + 2}. You can restore the backup the same way.
                      </>
                    }
                    confirmLabel={`Restore version ${to}`}
                    onConfirm={() => restore.mutateAsync({ ...target, versionNumber: to })}
                  >
                    <Button data-testid="restore-version">
                      <RotateCcw aria-hidden /> Restore version {to}
                    </Button>
                  </ConfirmDialog>
                )
              ) : null}
            </div>
          )}
        </div>

        {toItem && (
          <p className="text-sm text-muted-foreground" data-testid="compare-caption">
            {from === 0 ? 'Everything in' : <>Changes from version {from} to</>} version {to}:{' '}
            <span className="text-foreground">{CHANGE_LABELS[toItem.changeType].label.toLowerCase()}</span> by{' '}
            <span className="text-foreground">{toItem.createdBy}</span> <RelativeTime date={toItem.createdAt} />
            {toItem.changeSummary ? <> — {toItem.changeSummary}</> : null}
            {to === latest && <> (the current content)</>}
          </p>
        )}

        {toQ.isError || fromQ.isError ? (
          <ErrorState
            compact
            title="A version could not be loaded"
            error={toQ.error ?? fromQ.error}
            onRetry={() => Promise.all([toQ.refetch(), from > 0 ? fromQ.refetch() : null])}
          />
        ) : toQ.isPending || (from > 0 && fromQ.isPending) ? (
          <div className="rounded-lg border border-border bg-surface p-4">
            <SkeletonText lines={6} />
          </div>
        ) : view === 'rendered' && render ? (
          <div className="rounded-lg border border-border bg-surface px-6 py-5" data-testid="version-rendered">
            {render(toText(toQ.data.content))}
          </div>
        ) : (
          <>
            <TitleChange before={from > 0 ? fromQ.data?.title : undefined} after={toQ.data.title} />
            <Diff
              before={from > 0 && fromQ.data ? toText(fromQ.data.content) : ''}
              after={toText(toQ.data.content)}
              view={view === 'words' ? 'words' : 'lines'}
              label={`Changes from ${from === 0 ? 'an empty text' : `version ${from}`} to version ${to}`}
            />
          </>
        )}
        {fromItem === undefined && from > 0 && <p className="text-xs text-muted-foreground">Version {from} is older than those listed.</p>}
      </section>
    </div>
  );
}

function TitleChange({ before, after }: { before: string | null | undefined; after: string | null }) {
  if (before == null || after == null || before === after) return null;
  return (
    <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="title-change">
      <span className="text-muted-foreground">Title:</span>
      <del className="rounded-sm bg-destructive-subtle px-1 line-through decoration-destructive">
        <span className="sr-only">removed: </span>
        {before}
      </del>
      <ArrowRight aria-hidden className="size-3.5 text-muted-foreground" />
      <ins className="rounded-sm bg-success-subtle px-1 underline decoration-success underline-offset-2">
        <span className="sr-only">added: </span>
        {after}
      </ins>
    </p>
  );
}

function Diff({ before, after, view, label }: { before: string; after: string; view: 'lines' | 'words'; label: string }) {
  // Memoised by the texts, so switching versions back and forth does not diff again.
  return useMemo(() => <DiffView before={before} after={after} mode={view} label={label} />, [before, after, view, label]);
}
