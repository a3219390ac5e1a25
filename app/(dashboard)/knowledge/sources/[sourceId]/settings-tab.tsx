'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Alert } from '../../../../_components/ui/alert';
import { Button } from '../../../../_components/ui/button';
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from '../../../../_components/ui/card';
import { Field } from '../../../../_components/ui/field';
import { Input } from '../../../../_components/ui/input';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../../_components/ui/select';
import { TagInput } from '../../../../_components/ui/tag-input';
import { Textarea } from '../../../../_components/ui/textarea';
import { fieldErrorsOf } from '../../../../_lib/errors';
import { useOptimisticMutation } from '../../../../_lib/optimistic';
import { useSession } from '../../../../_lib/session';
import { useTRPC } from '../../../../_lib/trpc';
import { REFRESH_LABELS } from '../../format';
import type { Source } from './source-detail';

type Values = { title: string; summary: string; tags: string[]; knowledgeType: 'technical' | 'business'; refreshInterval: string };

const valuesOf = (s: Source): Values => ({
  title: s.title,
  summary: s.summary ?? '',
  tags: s.tags,
  knowledgeType: s.knowledgeType,
  refreshInterval: s.refreshInterval,
});
const same = (a: Values, b: Values) =>
  a.title === b.title &&
  a.summary === b.summary &&
  a.knowledgeType === b.knowledgeType &&
  a.refreshInterval === b.refreshInterval &&
  a.tags.join('\n') === b.tags.join('\n');

/**
 * What people own about a source: title, summary, tags, type and refresh schedule. A
 * save shows at once (the header, the list) and is taken back with a toast if
 * the server refuses; the reason then shows under the field it is about.
 */
export function SettingsTab({ source }: { source: Source }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const readOnly = !can('write');
  const saved = valuesOf(source);
  const [values, setValues] = useState<Values>(saved);
  // What the form held when editing began: a save sends what changed since, not what differs from a source
  // renamed or re-summarised elsewhere meanwhile (that would put the older title or summary back).
  const [base, setBase] = useState<Values | null>(null);
  const editing = base !== null;
  const tags = useQuery(trpc.knowledge.sourceTags.queryOptions());
  // Changes made elsewhere (another tab, an agent) show here unless this form has unsaved edits.
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the saved source only while not editing
  useEffect(() => {
    if (!editing) setValues(valuesOf(source));
  }, [source.title, source.summary, source.tags.join('\n'), source.knowledgeType, source.refreshInterval]);

  const update = useOptimisticMutation(
    trpc.knowledge.updateSource.mutationOptions({
      onSuccess: (saved) => {
        setBase(null);
        // As the server stored them (a title trimmed): the form is clean once saved.
        setValues(valuesOf(saved));
        void queryClient.invalidateQueries(trpc.knowledge.sources.pathFilter());
        void queryClient.invalidateQueries(trpc.knowledge.sourceTags.pathFilter());
        // Search results name the source by its title.
        void queryClient.invalidateQueries(trpc.knowledge.search.pathFilter());
      },
    }),
    {
      filter: trpc.knowledge.source.queryFilter({ id: source.id }),
      apply: (current, input) => ({
        ...current,
        ...(input.title !== undefined ? { title: input.title.trim() } : {}),
        ...(input.summary !== undefined ? { summary: input.summary.trim() } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        ...(input.knowledgeType !== undefined ? { knowledgeType: input.knowledgeType } : {}),
        ...(input.refreshInterval !== undefined ? { refreshInterval: input.refreshInterval } : {}),
      }),
      success: 'Source saved',
      failure: 'Could not save the source',
    },
  );
  const errors = update.error ? fieldErrorsOf(update.error) : {};
  const change = (patch: Partial<Values>) => {
    setBase((b) => b ?? values);
    setValues((v) => ({ ...v, ...patch }));
  };
  const from = base ?? saved;
  const dirty = !same(values, from);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!dirty) return;
    update.mutate({
      id: source.id,
      ...(values.title !== from.title ? { title: values.title } : {}),
      ...(values.summary !== from.summary ? { summary: values.summary } : {}),
      ...(values.tags.join('\n') !== from.tags.join('\n') ? { tags: values.tags } : {}),
      ...(values.knowledgeType !== from.knowledgeType ? { knowledgeType: values.knowledgeType } : {}),
      ...(values.refreshInterval !== from.refreshInterval ? { refreshInterval: values.refreshInterval as 'off' } : {}),
    });
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Source settings" className="max-w-2xl">
      <Card>
        <CardHeader>
          <div>
            <CardTitle>Settings</CardTitle>
            <CardDescription>A title or summary you set here is kept when the source is crawled again or gets new uploads.</CardDescription>
          </div>
        </CardHeader>
        <CardContent className="grid gap-4">
          {readOnly && <Alert>You can read this source; changing it needs a member or admin account.</Alert>}
          <Field label="Title" className="content-start" required error={errors.title}>
            <Input name="title" value={values.title} maxLength={200} disabled={readOnly} onChange={(e) => change({ title: e.target.value })} />
          </Field>
          <Field
            label="Summary"
            className="content-start"
            hint="What agents read about this source. Crawls write one from its pages; empty it to let them write it again."
            error={errors.summary}
          >
            <Textarea
              name="summary"
              rows={3}
              value={values.summary}
              maxLength={2000}
              disabled={readOnly}
              onChange={(e) => change({ summary: e.target.value })}
            />
          </Field>
          <Field label="Tags" className="content-start" hint="Press Enter after each; search and agents can filter by them." error={errors.tags}>
            <TagInput
              value={values.tags}
              onChange={(next) => change({ tags: next })}
              suggestions={(tags.data ?? []).map((t) => t.tag)}
              disabled={readOnly}
            />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Type" className="content-start" error={errors.knowledgeType}>
              <Select value={values.knowledgeType} disabled={readOnly} onValueChange={(v) => change({ knowledgeType: v as Values['knowledgeType'] })}>
                <SelectTrigger>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="technical">Technical</SelectItem>
                  <SelectItem value="business">Business</SelectItem>
                </SelectContent>
              </Select>
            </Field>
            <Field
              label="Refresh schedule"
              hint={source.kind === 'upload' ? 'Uploads are not re-crawled; upload the files again to update them.' : 'Unchanged pages are skipped.'}
              error={errors.refreshInterval}
            >
              <Select
                value={values.refreshInterval}
                disabled={readOnly || source.kind === 'upload'}
                onValueChange={(v) => change({ refreshInterval: v })}
              >
                <SelectTrigger>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {Object.entries(REFRESH_LABELS).map(([value, label]) => (
                    <SelectItem key={value} value={value}>
                      {label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
          </div>
        </CardContent>
        {!readOnly && (
          <CardFooter>
            <Button
              disabled={!dirty || update.isPending}
              onClick={() => {
                setBase(null);
                setValues(saved);
                update.reset();
              }}
            >
              Discard
            </Button>
            <Button type="submit" variant="primary" disabled={!dirty} loading={update.isPending}>
              Save changes
            </Button>
          </CardFooter>
        )}
      </Card>
    </form>
  );
}
