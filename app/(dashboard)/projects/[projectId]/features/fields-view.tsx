'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, Braces, GitCompare, ListPlus, MoreHorizontal, Pencil, Save, Trash2, Undo2 } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { toast } from 'sonner';
import { Alert } from '../../../../_components/ui/alert';
import { ConfirmDialog } from '../../../../_components/ui/alert-dialog';
import { Badge } from '../../../../_components/ui/badge';
import { Button } from '../../../../_components/ui/button';
import { CodeEditor } from '../../../../_components/ui/code-editor';
import { DiffView } from '../../../../_components/ui/diff-view';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../../_components/ui/dropdown-menu';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { ErrorState } from '../../../../_components/ui/error-state';
import { IconButton } from '../../../../_components/ui/icon-button';
import { Input } from '../../../../_components/ui/input';
import { RelativeTime } from '../../../../_components/ui/relative-time';
import { SegmentedControl } from '../../../../_components/ui/segmented-control';
import { TableSkeleton } from '../../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../_components/ui/table';
import { describeError, toastError } from '../../../../_lib/errors';
import { useOptimisticMutation } from '../../../../_lib/optimistic';
import { useSession } from '../../../../_lib/session';
import { type RouterInputs, type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { useUrlState } from '../../../knowledge/url-state';
import { VersionHistory } from '../documents/version-history';
import { briefValue, entryDescription, entryName, entryStatus, type FieldName, formatJson, LIST_WORDS, otherFields, parseJson } from './entries';
import { EntryDialog } from './entry-dialog';

type FieldState = RouterOutputs['versions']['field'];
type SaveInput = RouterInputs['versions']['saveField'];
type Mode = 'list' | 'json' | 'history';

const statusVariant = (s: string) =>
  /done|complete|shipped|live/i.test(s) ? 'success' : /progress|doing|review/i.test(s) ? 'accent' : /block/i.test(s) ? 'destructive' : 'neutral';

/** Saves a list against the version it was read at; shown at once, rolled back with a toast if refused. */
function useSaveField(projectId: string, fieldName: FieldName) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { displayName } = useSession();
  return useOptimisticMutation(
    trpc.versions.saveField.mutationOptions({
      onSettled: () => {
        void queryClient.invalidateQueries(trpc.versions.list.queryFilter({ projectId, fieldName }));
        void queryClient.invalidateQueries(trpc.projects.byId.queryFilter({ id: projectId }));
        void queryClient.invalidateQueries(trpc.projects.features.queryFilter({ id: projectId }));
      },
    }),
    {
      filter: trpc.versions.field.queryFilter({ projectId, fieldName }),
      apply: (state, input) => ({ ...state, content: input.content, version: state.version + 1, updatedAt: new Date(), updatedBy: displayName }),
      failure: `Could not save the ${LIST_WORDS[fieldName].many}`,
    },
  );
}

/**
 * The Features and data tab: the project's two free-form JSON lists, each as
 * a list of entries (name, status, description and their other fields) to
 * add, edit, reorder and remove, or as JSON to edit whole, with its history.
 * Which list and which view are in the URL (?list=data&mode=json).
 */
export function FieldsView({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const { params, set } = useUrlState();
  const fieldName: FieldName = params.get('list') === 'data' ? 'data' : 'features';
  const modeParam = params.get('mode');
  const mode: Mode = modeParam === 'history' || (modeParam === 'json' && can('write')) ? modeParam : 'list';
  const features = useQuery(trpc.versions.field.queryOptions({ projectId, fieldName: 'features' }));
  const data = useQuery(trpc.versions.field.queryOptions({ projectId, fieldName: 'data' }));
  const field = fieldName === 'features' ? features : data;
  const [jsonDirty, setJsonDirty] = useState(false);

  const count = (q: typeof features) => (q.data ? ` (${q.data.content.length})` : '');
  return (
    <section aria-labelledby="fields-heading" className="grid gap-4">
      <h2 id="fields-heading" className="sr-only">
        Features and data
      </h2>
      <div className="flex flex-wrap items-center gap-3">
        <SegmentedControl<FieldName>
          label="List"
          size="md"
          value={fieldName}
          onChange={(v) => set({ list: v === 'features' ? null : v, from: null, to: null, view: null })}
          options={[
            { value: 'features', label: `Features${count(features)}`, testId: 'list-features' },
            { value: 'data', label: `Data${count(data)}`, testId: 'list-data' },
          ]}
        />
        <SegmentedControl<Mode>
          label="View"
          size="md"
          value={mode}
          onChange={(v) => set({ mode: v === 'list' ? null : v, from: null, to: null, view: null })}
          options={[
            { value: 'list', label: 'List', testId: 'mode-list' },
            ...(can('write') ? [{ value: 'json' as const, label: 'JSON', testId: 'mode-json' }] : []),
            { value: 'history', label: 'History', testId: 'mode-history' },
          ]}
        />
        {field.data && (
          <p className="text-sm text-muted-foreground" data-testid="field-meta">
            {field.data.version === 0 ? (
              'Never edited'
            ) : (
              <>
                Version {field.data.version} · saved <RelativeTime date={field.data.updatedAt} />
                {field.data.updatedBy ? ` by ${field.data.updatedBy}` : ''}
              </>
            )}
          </p>
        )}
      </div>

      {field.isPending ? (
        <TableSkeleton rows={4} columns={4} label={`Loading the ${LIST_WORDS[fieldName].many}`} />
      ) : field.isError ? (
        <ErrorState compact error={field.error} onRetry={() => field.refetch()} />
      ) : mode === 'history' ? (
        <VersionHistory
          key={fieldName}
          target={{ projectId, fieldName }}
          toText={formatJson}
          unit={{ one: 'entry', many: 'entries' }}
          restoreBlocked={jsonDirty ? 'Save or discard your JSON edits first.' : undefined}
          onRestored={() => void field.refetch()}
        />
      ) : mode === 'json' ? (
        <JsonEditor key={fieldName} projectId={projectId} fieldName={fieldName} state={field.data} onDirty={setJsonDirty} />
      ) : (
        <EntryList key={fieldName} projectId={projectId} fieldName={fieldName} state={field.data} onJson={() => set({ mode: 'json' })} />
      )}
    </section>
  );
}

function EntryList({ projectId, fieldName, state, onJson }: { projectId: string; fieldName: FieldName; state: FieldState; onJson: () => void }) {
  const { can } = useSession();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const save = useSaveField(projectId, fieldName);
  const words = LIST_WORDS[fieldName];
  // undefined: closed; { index: -1 }: a new entry.
  const [editing, setEditing] = useState<{ index: number } | null>(null);

  // Always from the cache as it is now, so a change applies to the latest list the page knows.
  const current = () => queryClient.getQueryData<FieldState>(trpc.versions.field.queryKey({ projectId, fieldName })) ?? state;
  const write = (content: unknown[], input?: Partial<SaveInput>) => {
    const now = current();
    return save.mutateAsync({ projectId, fieldName, content, expectedVersion: now.version, ...input });
  };

  const remove = (index: number) => {
    const before = current();
    const removed = before.content[index];
    const content = before.content.filter((_, i) => i !== index);
    save.mutate(
      { projectId, fieldName, content, expectedVersion: before.version, changeSummary: `Removed ${entryName(removed)}` },
      {
        onSuccess: (saved) =>
          toast.success(`Removed “${entryName(removed)}”`, {
            action: {
              label: 'Undo',
              onClick: () =>
                save.mutate({
                  projectId,
                  fieldName,
                  content: before.content,
                  expectedVersion: saved.version,
                  changeSummary: `Put back ${entryName(removed)}`,
                }),
            },
          }),
      },
    );
  };
  const move = (index: number, by: -1 | 1) => {
    const now = current();
    const content = [...now.content];
    const [entry] = content.splice(index, 1);
    content.splice(index + by, 0, entry);
    save.mutate({
      projectId,
      fieldName,
      content,
      expectedVersion: now.version,
      changeSummary: `Moved ${entryName(entry)} ${by < 0 ? 'up' : 'down'}`,
    });
  };

  const dialog = editing && (
    <EntryDialog
      fieldName={fieldName}
      entry={editing.index >= 0 ? state.content[editing.index] : undefined}
      open
      onOpenChange={(o) => !o && setEditing(null)}
      onSave={async (entry) => {
        const content = [...current().content];
        if (editing.index >= 0) content[editing.index] = entry;
        else content.push(entry);
        await write(content, { changeSummary: `${editing.index >= 0 ? 'Edited' : 'Added'} ${entryName(entry)}` });
      }}
    />
  );

  if (state.content.length === 0) {
    return (
      <>
        <EmptyState
          icon={ListPlus}
          title={`No ${words.many} yet`}
          description={
            fieldName === 'features'
              ? 'What this project delivers, one entry each: a name, a status, a description and any fields of your own. Tasks can name a feature.'
              : 'Data the project works with (entities, tables, schemas), one entry each, with any fields you need.'
          }
          action={
            can('write') && (
              <>
                <Button variant="primary" onClick={() => setEditing({ index: -1 })} data-testid="add-entry">
                  <ListPlus aria-hidden /> Add a {words.one}
                </Button>
                <Button onClick={onJson}>
                  <Braces aria-hidden /> Paste JSON
                </Button>
              </>
            )
          }
        />
        {dialog}
      </>
    );
  }

  return (
    <div className="grid gap-3">
      <Table aria-label={words.title} data-testid="entries" className="table-fixed">
        <TableHeader>
          <TableRow>
            <TableHead className="w-[28%]">Name</TableHead>
            <TableHead className="w-32">Status</TableHead>
            <TableHead>Description</TableHead>
            <TableHead className="hidden w-[26%] lg:table-cell">Other fields</TableHead>
            {can('write') && (
              <TableHead className="w-12">
                <span className="sr-only">Actions</span>
              </TableHead>
            )}
          </TableRow>
        </TableHeader>
        <TableBody>
          {state.content.map((entry, i) => {
            const name = entryName(entry);
            const status = entryStatus(entry);
            const description = entryDescription(entry);
            const others = otherFields(entry);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id of their own; the position is theirs
              <TableRow key={i} data-testid="entry-row">
                <TableCell className="max-w-0 font-medium">
                  <span className="block truncate" title={name}>
                    {name}
                  </span>
                </TableCell>
                <TableCell>
                  {status ? (
                    <Badge variant={statusVariant(status)} dot>
                      {status}
                    </Badge>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
                <TableCell className="max-w-0 text-muted-foreground">
                  <span className="line-clamp-2">{description ?? '—'}</span>
                </TableCell>
                <TableCell className="hidden max-w-0 lg:table-cell">
                  {others.length ? (
                    <span className="flex flex-wrap gap-1" title={others.map(([k, v]) => `${k}: ${briefValue(v, 200)}`).join('\n')}>
                      {others.slice(0, 3).map(([k, v]) => (
                        <Badge key={k} variant="outline" className="max-w-full">
                          <span className="truncate">
                            {k}: {briefValue(v, 24)}
                          </span>
                        </Badge>
                      ))}
                      {others.length > 3 && <span className="text-xs text-muted-foreground">+{others.length - 3}</span>}
                    </span>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
                {can('write') && (
                  <TableCell className="px-1">
                    <DropdownMenu>
                      <DropdownMenuTrigger asChild>
                        <IconButton icon={MoreHorizontal} label={`Actions for ${name}`} tooltip={false} size="icon-sm" />
                      </DropdownMenuTrigger>
                      <DropdownMenuContent align="end">
                        <DropdownMenuItem onSelect={() => setEditing({ index: i })}>
                          <Pencil aria-hidden /> Edit…
                        </DropdownMenuItem>
                        <DropdownMenuItem disabled={i === 0} onSelect={() => move(i, -1)}>
                          <ArrowUp aria-hidden /> Move up
                        </DropdownMenuItem>
                        <DropdownMenuItem disabled={i === state.content.length - 1} onSelect={() => move(i, 1)}>
                          <ArrowDown aria-hidden /> Move down
                        </DropdownMenuItem>
                        <DropdownMenuSeparator />
                        <DropdownMenuItem variant="destructive" onSelect={() => remove(i)}>
                          <Trash2 aria-hidden /> Remove
                        </DropdownMenuItem>
                      </DropdownMenuContent>
                    </DropdownMenu>
                  </TableCell>
                )}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {can('write') && (
        <div>
          <Button onClick={() => setEditing({ index: -1 })} data-testid="add-entry">
            <ListPlus aria-hidden /> Add a {words.one}
          </Button>
        </div>
      )}
      {dialog}
    </div>
  );
}

/**
 * The whole list as JSON, checked as it is typed. Saved against the version
 * the text started from; a save someone else made meanwhile is shown with a
 * diff against this text, which stays until it is saved or dropped.
 */
function JsonEditor({
  projectId,
  fieldName,
  state,
  onDirty,
}: {
  projectId: string;
  fieldName: FieldName;
  state: FieldState;
  onDirty: (dirty: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const words = LIST_WORDS[fieldName];
  const [draft, setDraft] = useState<{ text: string; baseVersion: number } | null>(null);
  const [summary, setSummary] = useState('');
  const [conflict, setConflict] = useState<FieldState | null>(null);
  const [comparing, setComparing] = useState(true);
  const serverText = useMemo(() => formatJson(state.content), [state.content]);
  const text = draft?.text ?? serverText;
  const dirty = draft !== null && (draft.text !== serverText || draft.baseVersion !== state.version);
  const parsed = useMemo(() => parseJson(text), [text]);
  const problem = !parsed.ok ? parsed.message : !Array.isArray(parsed.value) ? `The ${words.many} must be a JSON list: [ … ]` : null;
  const save = useMutation(trpc.versions.saveField.mutationOptions());

  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => () => onDirty(false), [onDirty]);

  const submit = async (over?: FieldState) => {
    if (!draft || problem || !parsed.ok) return;
    const expectedVersion = over?.version ?? draft.baseVersion;
    try {
      const saved = await save.mutateAsync({
        projectId,
        fieldName,
        content: parsed.value as unknown[],
        expectedVersion,
        ...(summary.trim() ? { changeSummary: summary.trim() } : {}),
      });
      queryClient.setQueryData(trpc.versions.field.queryKey({ projectId, fieldName }), saved);
      setDraft(null);
      setSummary('');
      setConflict(null);
      toast.success(`Saved the ${words.many}`, { description: `Version ${saved.version}; the earlier ones stay in the history.` });
      void queryClient.invalidateQueries(trpc.versions.list.queryFilter({ projectId, fieldName }));
      void queryClient.invalidateQueries(trpc.projects.byId.queryFilter({ id: projectId }));
    } catch (err) {
      if (describeError(err).code === 'CONFLICT') {
        try {
          setConflict(await queryClient.fetchQuery({ ...trpc.versions.field.queryOptions({ projectId, fieldName }), staleTime: 0 }));
          setComparing(true);
        } catch (loadErr) {
          toastError(loadErr, `The ${words.many} were changed meanwhile, and the latest could not be loaded`);
        }
      } else toastError(err, `Could not save the ${words.many}; your JSON is still here`);
    }
  };

  return (
    <div className="grid gap-3">
      {conflict && (
        <div className="grid gap-3">
          <Alert variant="warning" title={`Someone else saved the ${words.many} while you were editing`} data-testid="conflict">
            <p>
              {conflict.updatedBy ?? 'Someone'} saved version {conflict.version} <RelativeTime date={conflict.updatedAt} />. Your JSON is still here,
              not saved. Compare, merge by hand if you like, then save yours (theirs stays in the history), or take theirs.
            </p>
            <div className="mt-2 flex flex-wrap gap-2">
              <Button size="sm" onClick={() => setComparing((c) => !c)} aria-expanded={comparing}>
                <GitCompare aria-hidden /> {comparing ? 'Hide the comparison' : 'Compare with theirs'}
              </Button>
              <Button size="sm" variant="primary" disabled={Boolean(problem)} loading={save.isPending} onClick={() => void submit(conflict)}>
                Save mine over theirs
              </Button>
              <Button
                size="sm"
                variant="ghost"
                onClick={() => {
                  setDraft(null);
                  setConflict(null);
                }}
              >
                Take theirs
              </Button>
            </div>
          </Alert>
          {comparing && <DiffView before={formatJson(conflict.content)} after={text} label={`Their ${words.many} compared with your JSON`} />}
        </div>
      )}
      <CodeEditor
        language="JSON"
        label={`${words.title} (JSON)`}
        describedBy={problem ? 'json-problem' : undefined}
        value={text}
        onChange={(t) => setDraft((d) => ({ text: t, baseVersion: d?.baseVersion ?? state.version }))}
        height="max(22rem, calc(100vh - 24rem))"
        lineNumbers
        testId="json-editor"
      />
      <div className="flex flex-wrap items-center gap-2">
        {problem ? (
          <p id="json-problem" className="text-sm font-medium text-destructive-text" role="status" data-testid="json-problem">
            {problem}
          </p>
        ) : (
          <p className="text-sm text-muted-foreground" role="status">
            Valid JSON: {(parsed as { value: unknown[] }).value.length} {(parsed as { value: unknown[] }).value.length === 1 ? 'entry' : 'entries'}
          </p>
        )}
        <div className="ml-auto flex flex-wrap items-center gap-2">
          {dirty && (
            <>
              <Input
                aria-label="What changed (optional, kept with the version)"
                placeholder="What changed? (optional)"
                value={summary}
                maxLength={1000}
                onChange={(e) => setSummary(e.target.value)}
                className="w-56"
              />
              <ConfirmDialog
                title="Discard your JSON edits?"
                description={`The editor goes back to the saved ${words.many}.`}
                confirmLabel="Discard edits"
                destructive
                onConfirm={() => {
                  setDraft(null);
                  setConflict(null);
                }}
              >
                <Button variant="ghost">
                  <Undo2 aria-hidden /> Discard
                </Button>
              </ConfirmDialog>
            </>
          )}
          <Button
            variant="primary"
            disabled={!dirty || Boolean(problem)}
            loading={save.isPending}
            onClick={() => void submit(conflict ?? undefined)}
            data-testid="save-json"
          >
            <Save aria-hidden /> {conflict ? 'Save mine' : `Save ${words.many}`}
          </Button>
        </div>
      </div>
    </div>
  );
}
