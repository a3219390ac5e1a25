'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, CircleX, PlugZap, RotateCcw } from 'lucide-react';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { toast } from 'sonner';
import { Badge } from '../../_components/ui/badge';
import { Button } from '../../_components/ui/button';
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from '../../_components/ui/card';
import { Field } from '../../_components/ui/field';
import { Input } from '../../_components/ui/input';
import { describeError, fieldErrorsOf } from '../../_lib/errors';
import { type RouterInputs, type RouterOutputs, useTRPC } from '../../_lib/trpc';

type Kind = 'embedding' | 'chat';
type Saved = RouterOutputs['settings']['providers'];
type Effective = RouterOutputs['settings']['effective'];
type TestResult = RouterOutputs['settings']['testProvider'];
type Patch = NonNullable<RouterInputs['settings']['updateProviders']['embedding']>;

type Draft = { baseUrl: string; model: string; dimensions: string; apiKey: string; removeKey: boolean };
type FieldName = 'baseUrl' | 'model' | 'dimensions' | 'apiKey';

const draftOf = (saved: Saved[Kind]): Draft => ({
  baseUrl: saved.baseUrl ?? '',
  model: saved.model ?? '',
  dimensions: 'dimensions' in saved && saved.dimensions != null ? String(saved.dimensions) : '',
  apiKey: '',
  removeKey: false,
});

/** The changes the form makes to the saved settings: a value sets, null clears (the environment's then applies). */
function patchOf(kind: Kind, saved: Saved[Kind], draft: Draft): { patch: Patch; problems: Partial<Record<FieldName, string>> } {
  const patch: Patch = {};
  const problems: Partial<Record<FieldName, string>> = {};
  const baseUrl = draft.baseUrl.trim() || null;
  if (baseUrl !== saved.baseUrl) patch.baseUrl = baseUrl;
  const model = draft.model.trim() || null;
  if (model !== saved.model) patch.model = model;
  if (kind === 'embedding') {
    const text = draft.dimensions.trim();
    const dimensions = text === '' ? null : Number(text);
    if (dimensions !== null && (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4000))
      problems.dimensions = 'A whole number from 1 to 4000';
    else if (dimensions !== ('dimensions' in saved ? saved.dimensions : null)) patch.dimensions = dimensions;
  }
  if (draft.apiKey.trim()) patch.apiKey = draft.apiKey.trim();
  else if (draft.removeKey) patch.apiKey = null;
  return { patch, problems };
}

const SOURCE_LABEL = { saved: 'saved here', environment: 'environment', default: 'default', none: 'none' } as const;

/**
 * One provider's settings: base URL, model, (dimension) and a write-only key,
 * saved over the environment's values (an empty field means "use the
 * environment's"). Test connection calls the provider with the form as it is,
 * before saving. The key is never shown: only whether one is set and its last
 * characters.
 */
export function ProviderForm({
  kind,
  saved,
  effective,
  title,
  description,
  children,
}: {
  kind: Kind;
  saved: Saved[Kind];
  effective: Effective;
  title: string;
  description: ReactNode;
  /** Shown between the header and the fields (the embedding card's re-embedding status). */
  children?: ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [result, setResult] = useState<TestResult | null>(null);
  const save = useMutation(trpc.settings.updateProviders.mutationOptions());
  const test = useMutation(trpc.settings.testProvider.mutationOptions());

  // A save (here or in another tab, after a refetch) becomes the new starting point.
  const savedKey = JSON.stringify(saved);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the saved values' content
  useEffect(() => setDraft(draftOf(saved)), [savedKey]);

  const { patch, problems } = patchOf(kind, saved, draft);
  const dirty = Object.keys(patch).length > 0;
  const set = (field: keyof Draft) => (e: { target: { value: string } }) => {
    setDraft((d) => ({ ...d, [field]: e.target.value }));
    setErrors((x) => ({ ...x, [field]: undefined }));
    setResult(null);
  };
  const id = `provider-${kind}`;
  const eff = kind === 'embedding' ? effective.embedding : effective.chat;
  const env = kind === 'embedding' ? 'EMBEDDING' : 'CHAT';
  const keyMoves = saved.apiKey.set && !draft.apiKey.trim() && !draft.removeKey && (draft.baseUrl.trim() || null) !== saved.baseUrl;

  async function runTest() {
    if (Object.keys(problems).length) return setErrors(problems);
    setResult(null);
    try {
      const input = {
        kind,
        baseUrl: draft.baseUrl.trim() || null,
        model: draft.model.trim() || null,
        ...(kind === 'embedding' ? { dimensions: draft.dimensions.trim() ? Number(draft.dimensions) : null } : {}),
        ...(draft.apiKey.trim() ? { apiKey: draft.apiKey.trim() } : draft.removeKey ? { apiKey: null } : {}),
      };
      setResult(await test.mutateAsync(input));
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (Object.keys(fields).length) setErrors(fields as typeof errors);
      else toast.error('Could not run the test', { description: describeError(err).message });
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (Object.keys(problems).length) return setErrors(problems);
    if (!dirty) return;
    try {
      const answer = await save.mutateAsync({ [kind]: patch });
      setErrors({});
      setDraft((d) => ({ ...d, apiKey: '', removeKey: false }));
      await Promise.all([
        queryClient.invalidateQueries(trpc.settings.pathFilter()),
        queryClient.invalidateQueries(trpc.knowledge.embeddingStatus.pathFilter()),
      ]);
      const job = answer.reembedJob;
      toast.success(`${title} saved`, {
        description: job ? 'The stored vectors came from another model, so re-embedding has started.' : 'Every process uses the new settings now.',
      });
    } catch (err) {
      const fields = fieldErrorsOf(err);
      const mine = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(`${kind}.`, ''), v]));
      if (Object.keys(mine).length) setErrors(mine as typeof errors);
      else toast.error(`Could not save the ${title.toLowerCase()} settings`, { description: describeError(err).message });
    }
  }

  const keyStatus = saved.apiKey.set ? (
    <Badge variant={saved.apiKey.readable ? 'success' : 'warning'} dot data-testid={`${id}-key-status`}>
      {saved.apiKey.readable ? `Set${saved.apiKey.masked ? ` · ${saved.apiKey.masked}` : ''}` : 'Set, but unreadable: enter it again'}
    </Badge>
  ) : (
    <Badge variant="outline" data-testid={`${id}-key-status`}>
      {eff.sources.apiKey === 'environment' ? 'From the environment' : 'Not set'}
    </Badge>
  );

  return (
    <Card aria-labelledby={`${id}-title`}>
      <form onSubmit={submit} noValidate data-testid={id}>
        <CardHeader>
          <div>
            <CardTitle id={`${id}-title`}>{title}</CardTitle>
            <CardDescription>{description}</CardDescription>
          </div>
        </CardHeader>
        <CardContent className="grid gap-5">
          {children}
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Base URL"
              className="sm:col-span-2"
              error={errors.baseUrl}
              hint={
                <>
                  Any OpenAI-compatible API, e.g. <code className="font-mono">http://localhost:11434/v1</code> for Ollama. Empty:{' '}
                  {eff.fallback.baseUrl ? (
                    <>
                      the environment's <code className="font-mono">{env}_BASE_URL</code>
                    </>
                  ) : (
                    'OpenAI when a key is set'
                  )}
                  .
                </>
              }
            >
              <Input
                name="baseUrl"
                type="url"
                inputMode="url"
                spellCheck={false}
                value={draft.baseUrl}
                onChange={set('baseUrl')}
                placeholder={eff.fallback.baseUrl ?? 'https://api.openai.com/v1'}
                className="font-mono text-[13px]"
              />
            </Field>
            <Field
              label="Model"
              className={kind === 'chat' ? 'sm:col-span-2' : undefined}
              error={errors.model}
              hint={
                eff.fallback.model
                  ? `Empty: ${eff.fallback.model} (${env}_MODEL).`
                  : kind === 'embedding'
                    ? 'Empty: text-embedding-3-small.'
                    : 'Needed for a chat model.'
              }
            >
              <Input
                name="model"
                spellCheck={false}
                value={draft.model}
                onChange={set('model')}
                placeholder={eff.fallback.model ?? (kind === 'embedding' ? 'text-embedding-3-small' : 'gpt-4o-mini')}
                className="font-mono text-[13px]"
              />
            </Field>
            {kind === 'embedding' && (
              <Field
                label="Dimension"
                error={errors.dimensions}
                hint={`The model's vector size. Empty: ${effective.embedding.fallback.dimensions} (EMBEDDING_DIMENSIONS).`}
              >
                <Input
                  name="dimensions"
                  inputMode="numeric"
                  value={draft.dimensions}
                  onChange={set('dimensions')}
                  placeholder={String(effective.embedding.fallback.dimensions)}
                  className="font-mono text-[13px] tabular-nums"
                />
              </Field>
            )}
            <Field
              label="API key"
              className="sm:col-span-2"
              error={errors.apiKey}
              hint={
                keyMoves
                  ? 'The saved key is only ever sent to the address it was saved with: enter the key for the new base URL, or save without one.'
                  : draft.removeKey
                    ? 'The saved key will be removed when you save.'
                    : 'Write-only: once saved it is stored encrypted and never shown again. Local servers need none.'
              }
            >
              <div className="flex items-center gap-2">
                <Input
                  name="apiKey"
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  value={draft.apiKey}
                  onChange={set('apiKey')}
                  placeholder={saved.apiKey.set ? 'Type a new key to replace the saved one' : 'Not set'}
                  className="font-mono text-[13px]"
                  disabled={draft.removeKey}
                />
                {saved.apiKey.set &&
                  (draft.removeKey ? (
                    <Button variant="ghost" onClick={() => setDraft((d) => ({ ...d, removeKey: false }))}>
                      <RotateCcw aria-hidden /> Keep key
                    </Button>
                  ) : (
                    <Button variant="ghost" onClick={() => setDraft((d) => ({ ...d, apiKey: '', removeKey: true }))}>
                      Remove key
                    </Button>
                  ))}
              </div>
              <div className="flex items-center gap-2 pt-0.5 text-xs text-muted-foreground">Saved key: {keyStatus}</div>
            </Field>
          </div>
          <TestOutcome result={result} />
        </CardContent>
        <CardFooter className="justify-between">
          <p className="text-xs text-muted-foreground">
            In effect: <EffectiveLine kind={kind} effective={effective} />
          </p>
          <div className="flex gap-2">
            <Button onClick={() => void runTest()} loading={test.isPending}>
              <PlugZap aria-hidden /> Test connection
            </Button>
            <Button type="submit" variant="primary" loading={save.isPending} disabled={!dirty}>
              Save
            </Button>
          </div>
        </CardFooter>
      </form>
    </Card>
  );
}

function EffectiveLine({ kind, effective }: { kind: Kind; effective: Effective }) {
  if (kind === 'embedding') {
    const e = effective.embedding;
    return (
      <span className="font-mono text-[12px] text-foreground" data-testid="effective-embedding">
        {e.model} · {e.dimensions} dims{e.offline ? ' · offline' : ` · ${e.baseUrl}`}
        <span className="font-sans text-muted-foreground"> (key: {SOURCE_LABEL[e.sources.apiKey]})</span>
      </span>
    );
  }
  const c = effective.chat;
  if (!c.configured) return <span>no chat model; summaries are taken from the text</span>;
  return (
    <span className="font-mono text-[12px] text-foreground">
      {c.model} · {c.baseUrl}
      <span className="font-sans text-muted-foreground"> (key: {SOURCE_LABEL[c.sources.apiKey]})</span>
    </span>
  );
}

/** The test's answer, announced: success with what answered, or the failure's reason as the server worded it. */
function TestOutcome({ result }: { result: TestResult | null }) {
  return (
    <div aria-live="polite" data-testid="test-result" data-ok={result ? String(result.ok) : undefined}>
      {result &&
        (result.ok ? (
          <div className="flex gap-2.5 rounded-lg border border-success/30 bg-success-subtle px-3 py-2.5 text-sm">
            <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0 text-success-text" />
            <div className="grid gap-0.5">
              <p className="font-medium">Connection works</p>
              <p className="text-muted-foreground">{result.message}</p>
            </div>
          </div>
        ) : (
          <div className="flex gap-2.5 rounded-lg border border-destructive/30 bg-destructive-subtle px-3 py-2.5 text-sm">
            <CircleX aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive-text" />
            <div className="grid gap-0.5">
              <p className="font-medium">
                Connection failed
                {result.status ? <span className="ml-1.5 font-mono text-xs font-normal text-muted-foreground">HTTP {result.status}</span> : null}
              </p>
              <p className="break-words text-muted-foreground">{result.message}</p>
            </div>
          </div>
        ))}
    </div>
  );
}
