'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleAlert, CircleCheck, FileText, FileUp, X } from 'lucide-react';
import Link from 'next/link';
import { type DragEvent, type FormEvent, useEffect, useRef, useState } from 'react';
import { Alert } from '../../_components/ui/alert';
import { Button } from '../../_components/ui/button';
import { Field } from '../../_components/ui/field';
import { IconButton } from '../../_components/ui/icon-button';
import { Input } from '../../_components/ui/input';
import { Progress } from '../../_components/ui/progress';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { Spinner } from '../../_components/ui/spinner';
import { TagInput } from '../../_components/ui/tag-input';
import { cn } from '../../_lib/cn';
import { csrfHeaders } from '../../_lib/cookies';
import { useTRPC } from '../../_lib/trpc';
import { formatBytes, formatCount } from './format';
import { isActive, useLiveJob, useTrackJob } from './live-jobs';

type ServerError = { code: string; message: string; details?: Record<string, unknown> };
type Sent = { jobId: string; sourceId: string };

const ACCEPT = '.pdf,.docx,.md,.markdown,.mdx,.txt,.text,.rst,.html,.htm,.zip,text/*,application/pdf';

/** Sends the form as multipart to POST /api/uploads, reporting upload progress; resolves with the 202's job. */
function send(form: FormData, onProgress: (fraction: number) => void): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/uploads');
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: a proxy's error page
      }
      if (xhr.status === 202 && body && typeof body === 'object') return resolve(body as Record<string, unknown>);
      const error = (body as { error?: ServerError } | null)?.error;
      const retry = xhr.getResponseHeader('retry-after');
      reject(
        error ?? {
          code: xhr.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL_SERVER_ERROR',
          message: xhr.status === 401 ? 'Your session has ended; sign in again.' : `The server answered ${xhr.status}.`,
          details: retry ? { retryAfterSeconds: Number(retry) } : undefined,
        },
      );
    };
    xhr.onerror = () => reject({ code: 'NETWORK', message: 'The upload did not reach the server. Check that Archon is running and try again.' });
    xhr.send(form);
  });
}

/**
 * Uploading documents: drop files on the box or pick them, add a title, type
 * and tags, and send them in one multipart request. Every file then shows its
 * own outcome as the job settles it: added, or refused with the server's reason.
 */
export function UploadForm({ tags: knownTags, onDone }: { tags: string[]; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const track = useTrackJob();
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [tags, setTags] = useState<string[]>([]);
  const [type, setType] = useState<'technical' | 'business'>('technical');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<ServerError | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const job = useLiveJob(sent?.jobId);
  const outcomes = useQuery({ ...trpc.knowledge.uploadFiles.queryOptions({ jobId: sent?.jobId ?? '' }), enabled: Boolean(sent) });

  // Each event of the job may settle a file: read the files again (the event, not a timer, says when).
  const events = job?.eventCount ?? 0;
  useEffect(() => {
    if (sent && events > 0) void queryClient.invalidateQueries(trpc.knowledge.uploadFiles.queryFilter({ jobId: sent.jobId }));
  }, [events, sent, queryClient, trpc]);

  const add = (list: FileList | File[]) => {
    const incoming = [...list];
    // While the files are being sent the list is what was sent: a file added or taken off then would only seem to be.
    if (incoming.length === 0 || progress !== null) return;
    setError(null);
    setFiles((current) => [...current, ...incoming.filter((f) => !current.some((c) => c.name === f.name && c.size === f.size))]);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    if (!sent) add(e.dataTransfer.files);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (files.length === 0) {
      setError({ code: 'BAD_REQUEST', message: 'Choose at least one file.', details: { field: 'files' } });
      return;
    }
    const title = (e.currentTarget.elements.namedItem('title') as HTMLInputElement).value.trim();
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    if (title) form.append('title', title);
    form.append('knowledgeType', type);
    for (const t of tags) form.append('tags', t);
    setError(null);
    setProgress(0);
    try {
      const created = await send(form, setProgress);
      track(created);
      setSent({ jobId: String(created.id), sourceId: String(created.sourceId) });
      void queryClient.invalidateQueries(trpc.knowledge.pathFilter());
    } catch (err) {
      setError(err as ServerError);
    } finally {
      setProgress(null);
    }
  };

  const byName = new Map((outcomes.data?.items ?? []).map((f) => [f.name, f]));
  const settled = outcomes.data?.items ?? [];
  const finished = job ? !isActive(job.status) : false;
  const failed = settled.filter((f) => f.status === 'failed').length;
  const busy = progress !== null;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Upload files" className="grid gap-4">
      {error && (
        <Alert variant="destructive" title={error.code === 'TOO_MANY_REQUESTS' ? 'Slow down' : 'The upload was refused'}>
          {error.message}
        </Alert>
      )}
      {!sent && (
        // biome-ignore lint/a11y/noStaticElementInteractions: dropping is for a mouse; the button inside is the way in by keyboard
        <div
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
          }}
          onDragEnter={() => setDragging(true)}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={onDrop}
          className={cn(
            'flex flex-col items-center rounded-xl border border-dashed px-6 py-8 text-center transition-colors',
            dragging ? 'border-accent bg-accent-subtle' : 'border-input bg-muted/30',
          )}
        >
          <div className="mb-3 grid size-10 place-items-center rounded-lg border border-border bg-surface shadow-xs">
            <FileUp aria-hidden className="size-5 text-muted-foreground" />
          </div>
          <p className="text-sm font-medium">Drop files here</p>
          <p className="mt-1 max-w-sm text-sm text-muted-foreground">PDF, Word, Markdown, reStructuredText, HTML, text, or a zip of them.</p>
          <Button className="mt-4" disabled={busy} onClick={() => picker.current?.click()}>
            Choose files…
          </Button>
          <input
            ref={picker}
            type="file"
            multiple
            accept={ACCEPT}
            className="sr-only"
            tabIndex={-1}
            aria-hidden
            onChange={(e) => {
              if (e.target.files) add(e.target.files);
              e.target.value = '';
            }}
          />
        </div>
      )}
      {files.length > 0 && (
        <ul aria-label="Files to upload" className="divide-y divide-border rounded-lg border border-border">
          {files.map((f) => {
            const outcome = byName.get(f.name);
            const refused = outcome?.status === 'failed';
            return (
              <li
                key={`${f.name}:${f.size}`}
                data-testid="upload-file"
                data-name={f.name}
                data-status={outcome?.status ?? (sent ? 'pending' : 'selected')}
                className="flex items-start gap-3 px-3 py-2"
              >
                <FileText aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
                <div className="min-w-0 flex-1">
                  <div className="flex items-center gap-2">
                    <span className="truncate text-sm font-medium">{f.name}</span>
                    <span className="shrink-0 text-xs tabular-nums text-muted-foreground">{formatBytes(f.size)}</span>
                  </div>
                  {refused && <p className="mt-0.5 text-xs font-medium text-destructive-text">{outcome.error}</p>}
                </div>
                {!sent && (
                  <IconButton
                    icon={X}
                    size="icon-sm"
                    label={`Remove ${f.name}`}
                    disabled={busy}
                    onClick={() => setFiles((all) => all.filter((x) => x !== f))}
                  />
                )}
                {sent && !outcome && <Spinner label="Waiting" />}
                {outcome?.status === 'pending' && (
                  <span className="inline-flex shrink-0 items-center gap-1.5 text-xs text-muted-foreground">
                    <Spinner /> Processing
                  </span>
                )}
                {outcome?.status === 'done' && (
                  <span className="inline-flex shrink-0 items-center gap-1 text-xs font-medium text-success-text">
                    <CircleCheck aria-hidden className="size-3.5" />
                    {outcome.pageId ? (
                      <Link href={`/knowledge/pages/${outcome.pageId}`} className="focus-ring rounded-sm hover:underline">
                        Added
                      </Link>
                    ) : (
                      'Added'
                    )}
                  </span>
                )}
                {refused && (
                  <span className="inline-flex shrink-0 items-center gap-1 text-xs font-medium text-destructive-text">
                    <CircleAlert aria-hidden className="size-3.5" /> Refused
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error?.details?.field === 'files' && files.length === 0 && <p className="-mt-2 text-xs font-medium text-destructive-text">{error.message}</p>}

      {!sent && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Title" hint="By default, the file's name or the number of files." className="sm:col-span-2">
            <Input name="title" maxLength={200} />
          </Field>
          <Field label="Type" className="content-start">
            <Select value={type} onValueChange={(v) => setType(v as typeof type)}>
              <SelectTrigger>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="technical">Technical</SelectItem>
                <SelectItem value="business">Business</SelectItem>
              </SelectContent>
            </Select>
          </Field>
          <Field label="Tags" className="content-start" hint="Press Enter after each.">
            <TagInput value={tags} onChange={setTags} suggestions={knownTags} />
          </Field>
        </div>
      )}

      {busy && <Progress value={Math.round((progress ?? 0) * 100)} label="Sending the files" />}
      {sent && (
        <p role="status" className="text-sm text-muted-foreground">
          {!finished
            ? 'Processing… each file shows its outcome as soon as it is settled.'
            : failed
              ? `${formatCount(settled.length - failed)} of ${formatCount(settled.length)} files added; ${formatCount(failed)} refused.`
              : `All ${formatCount(settled.length)} files added.`}
        </p>
      )}

      <div className="sticky -bottom-4 -mx-5 -mb-4 flex items-center justify-end gap-2 rounded-b-xl border-t border-border bg-surface px-5 py-3">
        {sent ? (
          <>
            <Button
              onClick={() => {
                setSent(null);
                setFiles([]);
              }}
            >
              Upload more
            </Button>
            <Button asChild variant="primary">
              <Link href={`/knowledge/sources/${encodeURIComponent(sent.sourceId)}`} onClick={onDone}>
                Open the source
              </Link>
            </Button>
          </>
        ) : (
          <Button type="submit" variant="primary" loading={busy}>
            <FileUp aria-hidden /> Upload {files.length > 0 ? `${files.length} file${files.length === 1 ? '' : 's'}` : 'files'}
          </Button>
        )}
      </div>
    </form>
  );
}
