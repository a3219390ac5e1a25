'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { toast } from 'sonner';
import { Alert } from '../../_components/ui/alert';
import { Button } from '../../_components/ui/button';
import {
  Dialog,
  DialogBody,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../_components/ui/dialog';
import { Field } from '../../_components/ui/field';
import { Input } from '../../_components/ui/input';
import { Textarea } from '../../_components/ui/textarea';
import { describeError, fieldErrorsOf } from '../../_lib/errors';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';

export type Project = RouterOutputs['projects']['byId'];
/** What the form edits: any shape of a project that has these. */
type Editable = Pick<Project, 'id' | 'title' | 'description' | 'githubRepo'>;

type Errors = { title?: string; githubRepo?: string; description?: string; form?: string };

/**
 * Creating a project, or editing one's title, description and GitHub
 * repository. The server checks the repository (owner/repo or a github.com
 * URL) and says so under the field.
 */
export function ProjectFormDialog({
  open,
  onOpenChange,
  project,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The project to edit; leave out to create one. */
  project?: Editable;
  onCreated?: (project: Project) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [repo, setRepo] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation(trpc.projects.create.mutationOptions());
  const update = useMutation(trpc.projects.update.mutationOptions());
  const busy = create.isPending || update.isPending;

  // Filled when the dialog opens, not again while it is open: the project is read again behind it (a window coming back
  // into focus) as a new object each time, which used to wipe what was typed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on opening and on which project, not on each read of it
  useEffect(() => {
    if (!open) return;
    setTitle(project?.title ?? '');
    setDescription(project?.description ?? '');
    setRepo(project?.githubRepo ?? '');
    setErrors({});
  }, [open, project?.id]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!title.trim()) {
      setErrors({ title: 'Give the project a title' });
      return;
    }
    const githubRepo = repo.trim() || null;
    try {
      if (project) {
        await update.mutateAsync({ id: project.id, title: title.trim(), description, githubRepo });
        toast.success('Project saved');
      } else {
        const created = await create.mutateAsync({ title: title.trim(), description, githubRepo });
        toast.success(`Project “${created.title}” created`);
        onCreated?.(created);
      }
      await queryClient.invalidateQueries(trpc.projects.pathFilter());
      onOpenChange(false);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      const known = fields.title || fields.githubRepo || fields.description;
      setErrors({
        title: fields.title,
        githubRepo: fields.githubRepo,
        description: fields.description,
        form: known ? undefined : describeError(err).message,
      });
    }
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !busy && onOpenChange(next)}>
      <DialogContent size="md" data-testid="project-form">
        <form onSubmit={submit} className="flex min-h-0 flex-col" noValidate>
          <DialogHeader>
            <DialogTitle>{project ? 'Edit project' : 'New project'}</DialogTitle>
            <DialogDescription>
              {project
                ? 'Its tasks and documents stay as they are.'
                : 'A board of tasks and versioned documents, shared by people and coding agents.'}
            </DialogDescription>
          </DialogHeader>
          <DialogBody className="grid gap-4 pb-4">
            {errors.form && <Alert variant="destructive">{errors.form}</Alert>}
            <Field label="Title" required error={errors.title}>
              <Input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} autoFocus autoComplete="off" />
            </Field>
            <Field label="GitHub repository" hint="owner/repo or a github.com URL; optional." error={errors.githubRepo}>
              <Input
                name="githubRepo"
                value={repo}
                onChange={(e) => setRepo(e.target.value)}
                placeholder="acme/docs"
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
              />
            </Field>
            <Field label="Description" hint="Markdown; optional." error={errors.description}>
              <Textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} rows={4} />
            </Field>
          </DialogBody>
          <DialogFooter>
            <DialogClose asChild>
              <Button disabled={busy}>Cancel</Button>
            </DialogClose>
            <Button variant="primary" type="submit" loading={busy}>
              {project ? 'Save project' : 'Create project'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
