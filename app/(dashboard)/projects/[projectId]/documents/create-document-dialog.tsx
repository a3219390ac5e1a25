'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { toast } from 'sonner';
import { Alert } from '../../../../_components/ui/alert';
import { Button } from '../../../../_components/ui/button';
import {
  Dialog,
  DialogBody,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../../../_components/ui/dialog';
import { Field } from '../../../../_components/ui/field';
import { Input } from '../../../../_components/ui/input';
import { TagInput } from '../../../../_components/ui/tag-input';
import { describeError, fieldErrorsOf } from '../../../../_lib/errors';
import { type RouterOutputs, useTRPC } from '../../../../_lib/trpc';
import { DOCUMENT_TYPES, documentHref, typeLabel } from './doc-format';

export type ProjectDocument = RouterOutputs['documents']['byId'];
type Errors = { title?: string; documentType?: string; status?: string; tags?: string; form?: string };

const STATUSES = ['draft', 'review', 'approved', 'final', 'archived'];

/**
 * A new document (title, type, status, tags; it opens in the editor), or the
 * details of an existing one. Details are saved against the version shown, so
 * a change made meanwhile is named instead of overwritten.
 */
export function CreateDocumentDialog({
  projectId,
  open,
  onOpenChange,
  document,
  onSaved,
}: {
  projectId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The document whose details to edit; leave out to create one. */
  document?: ProjectDocument;
  onSaved?: (doc: ProjectDocument) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const ids = useId().replace(/:/g, '');
  const [title, setTitle] = useState('');
  const [documentType, setType] = useState('note');
  const [status, setStatus] = useState('draft');
  const [tags, setTags] = useState<string[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation(trpc.documents.create.mutationOptions());
  const update = useMutation(trpc.documents.update.mutationOptions());
  const busy = create.isPending || update.isPending;

  // Filled when the dialog opens, not on each read of the document behind it (a new object each time), which wiped what was typed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on opening and on which document
  useEffect(() => {
    if (!open) return;
    setTitle(document?.title ?? '');
    setType(document?.documentType ?? 'note');
    setStatus(document?.status ?? 'draft');
    setTags(document?.tags ?? []);
    setErrors({});
  }, [open, document?.id]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: Errors = {};
    if (!title.trim()) next.title = 'Give the document a title';
    if (!documentType.trim()) next.documentType = 'Give it a type, such as note or spec';
    if (!status.trim()) next.status = 'Give it a status, such as draft';
    if (Object.keys(next).length) return setErrors(next);
    const fields = { title: title.trim(), documentType: documentType.trim(), status: status.trim(), tags };
    try {
      if (document) {
        const saved = await update.mutateAsync({ id: document.id, expectedVersion: document.version, ...fields });
        queryClient.setQueryData(trpc.documents.byId.queryKey({ id: saved.id }), saved);
        toast.success('Details saved');
        onSaved?.(saved);
      } else {
        const created = await create.mutateAsync({ projectId, ...fields, content: `# ${fields.title}\n\n` });
        queryClient.setQueryData(trpc.documents.byId.queryKey({ id: created.id }), created);
        toast.success(`“${created.title}” created`);
        router.push(`${documentHref(projectId, created.id)}?mode=write`);
      }
      await queryClient.invalidateQueries(trpc.documents.list.queryFilter());
      onOpenChange(false);
    } catch (err) {
      const fe = fieldErrorsOf(err);
      const known = fe.title || fe.documentType || fe.status || Object.keys(fe).some((k) => k.startsWith('tags'));
      const friendly = describeError(err);
      setErrors({
        title: fe.title,
        documentType: fe.documentType,
        status: fe.status,
        tags: Object.entries(fe).find(([k]) => k.startsWith('tags'))?.[1],
        form: known
          ? undefined
          : friendly.code === 'CONFLICT'
            ? 'Someone saved this document meanwhile. Close this dialog to see their version, then change the details again.'
            : friendly.message,
      });
    }
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !busy && onOpenChange(next)}>
      <DialogContent size="md" data-testid="document-form">
        <form onSubmit={submit} className="flex min-h-0 flex-col" noValidate>
          <DialogHeader>
            <DialogTitle>{document ? 'Document details' : 'New document'}</DialogTitle>
            <DialogDescription>
              {document
                ? 'Title, type, status and tags. A new title is kept in the history like a change to the text.'
                : 'A Markdown document of this project. It opens in the editor; every save is kept as a version.'}
            </DialogDescription>
          </DialogHeader>
          <DialogBody className="grid gap-4 pb-4">
            {errors.form && <Alert variant="destructive">{errors.form}</Alert>}
            <Field label="Title" required error={errors.title}>
              <Input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={300} autoFocus autoComplete="off" />
            </Field>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Type" required hint="Spec, design, note… or a word of your own." error={errors.documentType}>
                <Input name="documentType" list={`${ids}-types`} value={documentType} onChange={(e) => setType(e.target.value)} maxLength={50} />
              </Field>
              <Field label="Status" required error={errors.status}>
                <Input name="status" list={`${ids}-statuses`} value={status} onChange={(e) => setStatus(e.target.value)} maxLength={50} />
              </Field>
            </div>
            <datalist id={`${ids}-types`}>
              {DOCUMENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {typeLabel(t)}
                </option>
              ))}
            </datalist>
            <datalist id={`${ids}-statuses`}>
              {STATUSES.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <Field label="Tags" hint="Press Enter after each tag." error={errors.tags}>
              <TagInput value={tags} onChange={setTags} />
            </Field>
          </DialogBody>
          <DialogFooter>
            <DialogClose asChild>
              <Button disabled={busy}>Cancel</Button>
            </DialogClose>
            <Button variant="primary" type="submit" loading={busy}>
              {document ? 'Save details' : 'Create and open'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
