'use client';

import { useQueryClient } from '@tanstack/react-query';
import { Archive, CircleCheck } from 'lucide-react';
import Link from 'next/link';
import { type FormEvent, useRef, useState } from 'react';
import { Alert } from '../../_components/ui/alert';
import { Button } from '../../_components/ui/button';
import { Field } from '../../_components/ui/field';
import { Input } from '../../_components/ui/input';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { csrfHeaders } from '../../_lib/cookies';
import { useTRPC } from '../../_lib/trpc';
import { formatCount } from './format';

type Conflict = 'error' | 'replace' | 'copy';
type ImportResult = { sourceId: string; copied: boolean; pages: number; chunks: number; codeExamples: number; embeddingsMissing: number };
type ServerError = { code: string; message: string };

const CONFLICT_HINTS: Record<Conflict, string> = {
  error: 'Stop and say so if the source is already here.',
  replace: 'Keep the source (its project links and jobs) and swap in the archive’s pages.',
  copy: 'Import beside the existing source, under a new id.',
};

/**
 * Importing a source archive (from Export on a source, here or on another
 * Archon): POST /api/sources/import with the file and what to do when the
 * source already exists. All or nothing: a refused archive changes nothing.
 */
export function ImportForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [onConflict, setOnConflict] = useState<Conflict>('error');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ServerError | null>(null);
  const [missingFile, setMissingFile] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setMissingFile(true);
      fileInput.current?.focus();
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/sources/import?onConflict=${onConflict}`, { method: 'POST', body: form, headers: csrfHeaders() });
      const body = (await res.json().catch(() => null)) as (ImportResult & { error?: ServerError }) | null;
      if (!res.ok || !body || body.error) {
        setError(body?.error ?? { code: 'INTERNAL_SERVER_ERROR', message: `The server answered ${res.status}.` });
        return;
      }
      setResult(body);
      void queryClient.invalidateQueries(trpc.knowledge.pathFilter());
    } catch {
      setError({ code: 'NETWORK', message: 'The archive did not reach the server. Check that Archon is running and try again.' });
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <div className="grid gap-4">
        <Alert variant="success" title={result.copied ? 'Imported as a copy' : 'Imported'}>
          {formatCount(result.pages)} pages, {formatCount(result.chunks)} chunks and {formatCount(result.codeExamples)} code examples.
          {result.embeddingsMissing > 0 &&
            ` ${formatCount(result.embeddingsMissing)} rows have no vector for this model yet; re-embed them from Settings.`}
        </Alert>
        <div className="sticky -bottom-4 -mx-5 -mb-4 flex items-center justify-end gap-2 rounded-b-xl border-t border-border bg-surface px-5 py-3">
          <Button onClick={() => setResult(null)}>Import another</Button>
          <Button asChild variant="primary">
            <Link href={`/knowledge/sources/${encodeURIComponent(result.sourceId)}`} onClick={onDone}>
              <CircleCheck aria-hidden /> Open the source
            </Link>
          </Button>
        </div>
      </div>
    );
  }

  const conflict = error?.code === 'CONFLICT';
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Import an archive" className="grid gap-4">
      {error && !conflict && (
        <Alert variant="destructive" title="The archive was not imported">
          {error.message}
        </Alert>
      )}
      <Field
        label="Archive"
        required
        hint="A source exported from Archon: a .archon.jsonl.gz file."
        error={missingFile ? 'Choose an archive to import.' : null}
      >
        <Input
          ref={fileInput}
          name="file"
          type="file"
          accept=".gz,application/gzip"
          className="h-9 py-1"
          onChange={() => {
            setError(null);
            setMissingFile(false);
          }}
        />
      </Field>
      <Field label="If the source exists" className="content-start" hint={CONFLICT_HINTS[onConflict]} error={conflict ? error.message : null}>
        <Select
          value={onConflict}
          onValueChange={(v) => {
            setOnConflict(v as Conflict);
            // "Already exists; import with replace or copy": another choice answers it.
            if (conflict) setError(null);
          }}
        >
          <SelectTrigger>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="error">Stop</SelectItem>
            <SelectItem value="replace">Replace its pages</SelectItem>
            <SelectItem value="copy">Import a copy</SelectItem>
          </SelectContent>
        </Select>
      </Field>
      <div className="sticky -bottom-4 -mx-5 -mb-4 flex items-center justify-end gap-2 rounded-b-xl border-t border-border bg-surface px-5 py-3">
        <Button type="submit" variant="primary" loading={busy}>
          <Archive aria-hidden /> Import
        </Button>
      </div>
    </form>
  );
}
