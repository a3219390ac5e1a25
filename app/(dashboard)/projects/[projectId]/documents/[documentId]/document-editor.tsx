'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, Check, GitCompare, MoreHorizontal, Pencil, Save, Trash2, Undo2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';
import { Alert } from '../../../../../_components/ui/alert';
import { ConfirmDialog } from '../../../../../_components/ui/alert-dialog';
import { Badge } from '../../../../../_components/ui/badge';
import { Button } from '../../../../../_components/ui/button';
import { DiffView } from '../../../../../_components/ui/diff-view';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '../../../../../_components/ui/dropdown-menu';
import { ErrorState } from '../../../../../_components/ui/error-state';
import { IconButton } from '../../../../../_components/ui/icon-button';
import { Input } from '../../../../../_components/ui/input';
import { Keys } from '../../../../../_components/ui/kbd';
import { MarkdownEditor } from '../../../../../_components/ui/markdown-editor';
import { RelativeTime } from '../../../../../_components/ui/relative-time';
import { SegmentedControl } from '../../../../../_components/ui/segmented-control';
import { Tooltip } from '../../../../../_components/ui/tooltip';
import { cn } from '../../../../../_lib/cn';
import { describeError, toastError } from '../../../../../_lib/errors';
import { useSession } from '../../../../../_lib/session';
import { useTRPC } from '../../../../../_lib/trpc';
import { useUrlState } from '../../../../knowledge/url-state';
import { CreateDocumentDialog, type ProjectDocument } from '../create-document-dialog';
import { typeLabel } from '../doc-format';
import { DeleteDocumentDialog } from '../documents-list';
import { MarkdownPreview } from '../markdown-preview';
import { VersionHistory } from '../version-history';

type Mode = 'write' | 'split' | 'preview' | 'history';
/** The text being edited and the version of the document it started from (the save's expectedVersion). */
type Draft = { title: string; content: string; baseVersion: number };
type StoredDraft = Draft & { savedAt: number };

const EDITOR_HEIGHT = 'max(26rem, calc(100vh - 21rem))';
const draftKey = (id: string) => `archon:document-draft:${id}`;

function readStoredDraft(id: string): StoredDraft | null {
  try {
    const raw = window.localStorage.getItem(draftKey(id));
    const parsed = raw ? (JSON.parse(raw) as StoredDraft) : null;
    return parsed && typeof parsed.content === 'string' && typeof parsed.title === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** Ctrl+S on Windows and Linux, ⌘S on a Mac: shown as the browser's platform has it. */
const saveKeys = () => (typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? ['⌘', 'S'] : ['Ctrl', 'S']);

/**
 * A document: the Markdown editor (CodeMirror) beside its preview, and its
 * history. Saving passes the version the edit started from, so a change saved
 * by someone else meanwhile is a conflict shown here: their version, a diff
 * against the text being edited, and the choice to save over theirs (theirs
 * stays in the history) or to take theirs. The text being edited is never
 * dropped: it stays in the editor through failures, and a copy in the
 * browser's storage survives a reload until it is saved.
 */
export function DocumentEditor({ initial }: { initial: ProjectDocument }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const writer = can('write');
  const { params, set } = useUrlState();
  const byIdKey = trpc.documents.byId.queryKey({ id: initial.id });
  const doc = useQuery({ ...trpc.documents.byId.queryOptions({ id: initial.id }), initialData: initial });
  const server = doc.data;

  const [draft, setDraft] = useState<Draft | null>(null);
  const [summary, setSummary] = useState('');
  const [conflict, setConflict] = useState<ProjectDocument | null>(null);
  const [comparing, setComparing] = useState(false);
  const [stored, setStored] = useState<StoredDraft | null>(null);
  const [details, setDetails] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const modeParam = params.get('mode') as Mode | null;
  const modes: Mode[] = writer ? ['write', 'split', 'preview', 'history'] : ['preview', 'history'];
  const mode: Mode = modeParam && modes.includes(modeParam) ? modeParam : writer ? 'split' : 'preview';

  const title = draft?.title ?? server.title;
  const content = draft?.content ?? server.content;
  const dirty = draft !== null && (draft.title !== server.title || draft.content !== server.content || draft.baseVersion !== server.version);

  const edit = (patch: Partial<Pick<Draft, 'title' | 'content'>>) =>
    setDraft((d) => ({
      title: d?.title ?? server.title,
      content: d?.content ?? server.content,
      baseVersion: d?.baseVersion ?? server.version,
      ...patch,
    }));

  // A copy of unsaved text in this browser, so a reload or a closed tab does not lose it.
  useEffect(() => {
    const found = readStoredDraft(initial.id);
    if (found && (found.content !== initial.content || found.title !== initial.title)) setStored(found);
    else if (found) window.localStorage.removeItem(draftKey(initial.id));
  }, [initial]);
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        if (draft && dirty) window.localStorage.setItem(draftKey(initial.id), JSON.stringify({ ...draft, savedAt: Date.now() }));
        else if (!stored) window.localStorage.removeItem(draftKey(initial.id));
      } catch {
        // Storage full or disabled: the text is still in the editor.
      }
    }, 300);
    return () => clearTimeout(t);
  }, [draft, dirty, initial.id, stored]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const update = useMutation(trpc.documents.update.mutationOptions());
  const saving = update.isPending;

  const save = useCallback(
    async (over?: ProjectDocument) => {
      if (!draft || saving) return;
      const attempt = draft;
      const expectedVersion = over?.version ?? attempt.baseVersion;
      const before = queryClient.getQueryData<ProjectDocument>(byIdKey);
      // Optimistic: the editor reads as saved at once; a refusal puts the draft back, with whatever was typed since.
      queryClient.setQueryData<ProjectDocument>(byIdKey, (d) =>
        d ? { ...d, title: attempt.title, content: attempt.content, version: expectedVersion + 1 } : d,
      );
      setDraft(null);
      try {
        const saved = await update.mutateAsync({
          id: server.id,
          expectedVersion,
          content: attempt.content,
          ...(attempt.title !== (over ?? server).title ? { title: attempt.title } : {}),
          ...(summary.trim() ? { changeSummary: summary.trim() } : {}),
        });
        queryClient.setQueryData(byIdKey, saved);
        setSummary('');
        setConflict(null);
        setComparing(false);
        setStored(null);
        window.localStorage.removeItem(draftKey(server.id));
        toast.success('Saved', {
          description: over ? 'Your version is current; theirs is kept in the history.' : 'Kept in the history as a new version.',
        });
        void queryClient.invalidateQueries(trpc.versions.list.queryFilter({ documentId: server.id }));
        void queryClient.invalidateQueries(trpc.documents.list.queryFilter());
      } catch (err) {
        queryClient.setQueryData(byIdKey, before);
        // Typed while saving: that draft already holds the attempt's text and more; only its base goes back.
        setDraft((d) => (d ? { ...d, baseVersion: attempt.baseVersion } : attempt));
        if (describeError(err).code === 'CONFLICT') {
          try {
            const theirs = await queryClient.fetchQuery({ ...trpc.documents.byId.queryOptions({ id: server.id }), staleTime: 0 });
            setConflict(theirs);
            setComparing(true);
          } catch (loadErr) {
            toastError(loadErr, 'Someone else saved this document, and their version could not be loaded');
          }
        } else {
          toastError(err, 'Could not save the document; your text is still here');
        }
      }
    },
    [draft, saving, queryClient, byIdKey, update, server, summary, trpc],
  );

  const takeTheirs = () => {
    setDraft(null);
    setConflict(null);
    setComparing(false);
    setStored(null);
    window.localStorage.removeItem(draftKey(server.id));
  };

  // Ctrl/⌘+S saves from anywhere on the page, the editor included.
  const saveRef = useRef(save);
  saveRef.current = save;
  const conflictRef = useRef(conflict);
  conflictRef.current = conflict;
  // Stable, so the editor is not reconfigured on every keystroke.
  const saveFromEditor = useCallback(() => void saveRef.current(conflictRef.current ?? undefined), []);
  useEffect(() => {
    if (!writer) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveRef.current(conflictRef.current ?? undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [writer]);

  const setMode = (m: Mode) =>
    set({ mode: m === (writer ? 'split' : 'preview') ? null : m, ...(m !== 'history' ? { from: null, to: null, view: null } : {}) });
  const listHref = `/projects/${server.projectId}/documents`;

  const preview = <MarkdownPreview markdown={content} testId="document-preview" />;

  return (
    <div className="grid gap-4" data-testid="document-editor">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid min-w-0 flex-1 gap-1.5">
          <Link
            href={listHref}
            className="focus-ring inline-flex w-fit items-center gap-1 rounded-sm text-sm text-muted-foreground hover:text-foreground"
          >
            <ArrowLeft aria-hidden className="size-3.5" /> All documents
          </Link>
          {writer ? (
            <>
              <h2 className="sr-only">{title}</h2>
              <Input
                aria-label="Document title"
                value={title}
                maxLength={300}
                onChange={(e) => edit({ title: e.target.value })}
                data-testid="document-title"
                className="-mx-2 h-9 w-[calc(100%+1rem)] max-w-3xl border-transparent bg-transparent px-2 text-xl font-semibold tracking-tight shadow-none hover:border-input"
              />
            </>
          ) : (
            <h2 className="text-xl font-semibold tracking-tight" data-testid="document-title">
              {server.title}
            </h2>
          )}
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-foreground">
            <Badge variant="neutral">{typeLabel(server.documentType)}</Badge>
            <Badge variant="outline">{server.status}</Badge>
            {server.tags.map((t) => (
              <Badge key={t} variant="outline">
                {t}
              </Badge>
            ))}
            <span className="ml-1">
              Edited <RelativeTime date={server.updatedAt} />
              {server.updatedBy ? ` by ${server.updatedBy}` : ''}
            </span>
            {server.author && server.author !== server.updatedBy && (
              <>
                <span aria-hidden>·</span>
                <span>Author: {server.author}</span>
              </>
            )}
            {!writer && (
              <Badge variant="outline" data-testid="read-only">
                Read only
              </Badge>
            )}
          </p>
        </div>
        {writer && (
          <div className="flex items-center gap-1 pt-6">
            <Button onClick={() => setDetails(true)}>
              <Pencil aria-hidden /> Details
            </Button>
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <IconButton icon={MoreHorizontal} label="Document actions" tooltip={false} />
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuItem variant="destructive" onSelect={() => setDeleting(true)}>
                  <Trash2 aria-hidden /> Delete document…
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          </div>
        )}
      </div>

      <div className="sticky top-0 z-10 -mx-1 flex flex-wrap items-center gap-2 border-b border-border bg-background/95 px-1 py-2 backdrop-blur">
        <SegmentedControl<Mode>
          label="Editor view"
          size="md"
          value={mode}
          onChange={setMode}
          options={modes.map((m) => ({
            value: m,
            label: { write: 'Write', split: 'Split', preview: 'Preview', history: 'History' }[m],
            testId: `mode-${m}`,
          }))}
        />
        {writer && (mode !== 'history' || dirty) && (
          <div className="ml-auto flex flex-wrap items-center gap-2">
            <span className="flex items-center gap-1.5 text-sm text-muted-foreground" aria-live="polite" data-testid="save-state">
              {saving ? (
                'Saving…'
              ) : dirty ? (
                <>
                  <span aria-hidden className="size-1.5 rounded-full bg-warning" /> Unsaved changes
                </>
              ) : (
                <>
                  <Check aria-hidden className="size-3.5 text-success-text" /> Saved
                </>
              )}
            </span>
            {dirty && (
              <>
                <Input
                  aria-label="What changed (optional, kept with the version)"
                  placeholder="What changed? (optional)"
                  value={summary}
                  maxLength={1000}
                  onChange={(e) => setSummary(e.target.value)}
                  className="w-56"
                  data-testid="change-summary"
                />
                <ConfirmDialog
                  title="Discard your changes?"
                  description="The editor goes back to the saved document. What you typed since the last save is dropped."
                  confirmLabel="Discard changes"
                  destructive
                  onConfirm={takeTheirs}
                >
                  <Button variant="ghost">
                    <Undo2 aria-hidden /> Discard
                  </Button>
                </ConfirmDialog>
              </>
            )}
            <Tooltip
              content={
                <>
                  Save <Keys keys={saveKeys()} className="ml-1" />
                </>
              }
            >
              <Button
                variant="primary"
                disabled={!dirty}
                loading={saving}
                aria-keyshortcuts="Control+S Meta+S"
                onClick={() => void save(conflict ?? undefined)}
                data-testid="save-document"
              >
                <Save aria-hidden /> {conflict ? 'Save mine' : 'Save'}
              </Button>
            </Tooltip>
          </div>
        )}
      </div>

      {doc.isError && <ErrorState compact title="This document could not be reloaded" error={doc.error} onRetry={() => doc.refetch()} />}

      {stored && !dirty && (
        <Alert title="You have unsaved changes from earlier" data-testid="stored-draft">
          <p>
            This browser kept the text you had not saved <RelativeTime date={stored.savedAt} />.
          </p>
          <div className="mt-2 flex gap-2">
            <Button
              size="sm"
              onClick={() => {
                setDraft({ title: stored.title, content: stored.content, baseVersion: stored.baseVersion });
                setStored(null);
              }}
            >
              Bring them back
            </Button>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => {
                setStored(null);
                window.localStorage.removeItem(draftKey(server.id));
              }}
            >
              Discard them
            </Button>
          </div>
        </Alert>
      )}

      {conflict && (
        <div className="grid gap-3">
          <Alert variant="warning" title="Someone else saved this document while you were editing" data-testid="conflict">
            <p>
              {conflict.updatedBy ?? 'Someone'} saved it <RelativeTime date={conflict.updatedAt} />. Your text is still here, not saved. Compare it
              with theirs, merge by hand in the editor if you like, then save yours: theirs stays in the history. Or take theirs and drop yours.
            </p>
            <div className="mt-2 flex flex-wrap gap-2">
              <Button size="sm" onClick={() => setComparing((c) => !c)} aria-expanded={comparing}>
                <GitCompare aria-hidden /> {comparing ? 'Hide the comparison' : 'Compare with theirs'}
              </Button>
              <Button size="sm" variant="primary" loading={saving} onClick={() => void save(conflict)} data-testid="save-over">
                Save mine over theirs
              </Button>
              <ConfirmDialog
                title="Take their version?"
                description="The editor shows their version. What you typed since your last save is dropped."
                confirmLabel="Take theirs"
                destructive
                onConfirm={takeTheirs}
              >
                <Button size="sm" variant="ghost">
                  Take theirs
                </Button>
              </ConfirmDialog>
            </div>
          </Alert>
          {comparing && (
            <div className="grid gap-1.5">
              <p className="text-sm text-muted-foreground">
                <span className="font-medium text-destructive-text">−</span> only in theirs, <span className="font-medium text-success-text">+</span>{' '}
                only in yours
                {conflict.title !== title && (
                  <>
                    {' '}
                    · their title: <span className="text-foreground">{conflict.title}</span>
                  </>
                )}
              </p>
              <DiffView before={conflict.content} after={content} label="Their saved version compared with your text" />
            </div>
          )}
        </div>
      )}

      {mode === 'history' ? (
        <VersionHistory
          target={{ documentId: server.id }}
          toText={(c) => (typeof c === 'string' ? c : '')}
          render={(md) => <MarkdownPreview markdown={md} />}
          unit={{ one: 'character', many: 'characters' }}
          restoreBlocked={dirty ? 'Save or discard your changes first: restoring replaces the text in the editor.' : undefined}
          onRestored={(r) => r.document && queryClient.setQueryData(byIdKey, r.document)}
        />
      ) : mode === 'preview' || !writer ? (
        <article className="rounded-xl border border-border bg-surface px-6 py-5 sm:px-10 sm:py-8" aria-label="Preview">
          <div className="mx-auto max-w-3xl">{preview}</div>
        </article>
      ) : (
        <div className={cn('grid gap-4', mode === 'split' && 'lg:grid-cols-2')}>
          <MarkdownEditor
            label="Document text (Markdown)"
            value={content}
            onChange={(v) => edit({ content: v })}
            minHeight={EDITOR_HEIGHT}
            maxHeight={EDITOR_HEIGHT}
            onSave={saveFromEditor}
            className="rounded-lg"
          />
          {mode === 'split' && (
            <section
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
              tabIndex={0}
              aria-label="Preview"
              className="focus-ring hidden overflow-y-auto rounded-lg border border-border bg-surface px-6 py-4 lg:block"
              style={{ height: EDITOR_HEIGHT }}
            >
              {preview}
            </section>
          )}
        </div>
      )}

      {writer && (
        <>
          <CreateDocumentDialog
            projectId={server.projectId}
            open={details}
            onOpenChange={setDetails}
            document={server}
            onSaved={(saved) => setDraft((d) => (d ? { ...d, baseVersion: saved.version } : d))}
          />
          <DeleteDocumentDialog document={server} open={deleting} onOpenChange={setDeleting} onDeleted={() => router.push(listHref)} />
        </>
      )}
    </div>
  );
}
