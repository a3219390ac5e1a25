'use client';

import { Pencil } from 'lucide-react';
import { useCallback, useState } from 'react';
import { toast } from 'sonner';
import { MarkdownView } from '../../../_components/markdown-view';
import { Alert } from '../../../_components/ui/alert';
import { Button } from '../../../_components/ui/button';
import { MarkdownEditor } from '../../../_components/ui/markdown-editor';
import { SkeletonText } from '../../../_components/ui/skeleton';
import { describeError } from '../../../_lib/errors';
import { useTRPCClient } from '../../../_lib/trpc';
import type { BoardTask } from '../task-meta';
import { useTaskActions } from './live-tasks';
import { toBoardTask } from './tasks-store';

type DescriptionConflict = { theirs: string; version: number };

export function Description({ task, description, canWrite }: { task: BoardTask; description: string | undefined; canWrite: boolean }) {
  const client = useTRPCClient();
  const { update } = useTaskActions();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [base, setBase] = useState<{ text: string; version: number } | null>(null);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<DescriptionConflict | null>(null);

  const start = () => {
    setDraft(description ?? '');
    setBase({ text: description ?? '', version: task.version });
    setConflict(null);
    setEditing(true);
  };

  const save = useCallback(
    async (expectedVersion?: number) => {
      if (!base) return;
      setSaving(true);
      try {
        let r = await update(task, { description: draft }, { expectedVersion: expectedVersion ?? base.version, quiet: true });
        if (!r.ok && r.conflict) {
          // A change to another field (a move, an assignee) is no reason to refuse this one: if the description is as it was, save on the new version.
          const fresh = await client.tasks.byId.query({ id: task.id });
          if (fresh.description === base.text && expectedVersion === undefined)
            r = await update(toBoardTask(fresh), { description: draft }, { expectedVersion: fresh.version, quiet: true });
          else {
            setConflict({ theirs: fresh.description, version: fresh.version });
            return;
          }
        }
        if (r.ok) {
          setEditing(false);
          setConflict(null);
          toast.success('Description saved');
        } else if (!r.ok) setConflict(null);
      } catch (err) {
        setConflict(null);
        toast.error('Could not save the description', { description: describeError(err).message });
      } finally {
        setSaving(false);
      }
    },
    [base, client, draft, task, update],
  );

  if (editing)
    return (
      // Unsaved text stays on Escape: it does not close the editor around it.
      <div className="grid gap-2" data-keeps-escape={draft !== base?.text || undefined}>
        {conflict && (
          <Alert variant="warning" title="Someone else changed the description while you were editing" data-testid="description-conflict">
            <p>Their version is below; yours is still in the editor. Save yours over theirs, or take theirs.</p>
            <div className="markdown mt-2 max-h-48 overflow-y-auto rounded-md border border-border bg-surface p-3 text-foreground">
              {conflict.theirs ? <MarkdownView markdown={conflict.theirs} /> : <p className="text-muted-foreground">(empty)</p>}
            </div>
            <div className="mt-2 flex gap-2">
              <Button size="sm" variant="primary" loading={saving} onClick={() => void save(conflict.version)}>
                Save mine over theirs
              </Button>
              <Button
                size="sm"
                onClick={() => {
                  setConflict(null);
                  setEditing(false);
                }}
              >
                Use theirs
              </Button>
            </div>
          </Alert>
        )}
        <MarkdownEditor
          label="Description (Markdown)"
          value={draft}
          onChange={setDraft}
          placeholder="What needs doing, and how to tell it is done. Markdown works."
          autoFocus
          onSave={() => void save()}
        />
        <div className="flex items-center justify-end gap-2">
          <span className="mr-auto text-xs text-muted-foreground">Markdown; Ctrl+Enter saves.</span>
          <Button size="sm" variant="ghost" onClick={() => setEditing(false)} disabled={saving}>
            Cancel
          </Button>
          <Button size="sm" variant="primary" loading={saving} onClick={() => void save()} data-testid="save-description">
            Save
          </Button>
        </div>
      </div>
    );

  if (description === undefined) return <SkeletonText lines={3} />;
  return (
    <div className="group/desc relative">
      {description ? (
        <div className="markdown text-base" data-testid="task-description">
          <MarkdownView markdown={description} />
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">{canWrite ? 'No description yet.' : 'No description.'}</p>
      )}
      {canWrite && (
        <Button size="sm" variant="ghost" className="mt-2" onClick={start} data-testid="edit-description">
          <Pencil aria-hidden /> {description ? 'Edit description' : 'Write a description'}
        </Button>
      )}
    </div>
  );
}
