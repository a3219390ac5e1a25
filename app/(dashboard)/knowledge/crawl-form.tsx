'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ChevronRight, Globe } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Alert } from '../../_components/ui/alert';
import { Button } from '../../_components/ui/button';
import { Checkbox } from '../../_components/ui/checkbox';
import { Field } from '../../_components/ui/field';
import { Input } from '../../_components/ui/input';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../_components/ui/select';
import { TagInput } from '../../_components/ui/tag-input';
import { Textarea } from '../../_components/ui/textarea';
import { describeError, fieldErrorsOf } from '../../_lib/errors';
import { sessionEndedHref } from '../../_lib/session-ended';
import { type RouterInputs, type RouterOutputs, useTRPC } from '../../_lib/trpc';
import { formatCount, REFRESH_LABELS } from './format';

type CrawlInput = RouterInputs['knowledge']['crawl'];
type Job = RouterOutputs['knowledge']['crawl'];

const MODES: { value: string; label: string }[] = [
  { value: 'auto', label: 'Detect (sitemap, llms.txt, or follow links)' },
  { value: 'recursive', label: 'Follow links' },
  { value: 'sitemap', label: 'Sitemap' },
  { value: 'llms-txt', label: 'llms.txt' },
  { value: 'llms-full', label: 'llms-full.txt' },
  { value: 'single', label: 'This page only' },
  { value: 'text', label: 'One Markdown or text file' },
];

const ADVANCED_FIELDS = [
  'mode',
  'title',
  'include',
  'exclude',
  'scope',
  'respectRobots',
  'concurrency',
  'delayMs',
  'timeoutMs',
  'maxBytes',
  'maxRedirects',
];

// What maxBytes takes (server/schemas/knowledge.ts: 1 KiB to 50 MiB), in the field's KB.
const MIN_KB = 1;
const MAX_KB = 50 * 1024;

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A number field's value: empty means "the server's default". A number input holding text reads as empty, so it is sent as text to be refused by name. */
function numberOf(el: HTMLInputElement | null): number | undefined {
  if (!el || el.value.trim() === '') return el?.validity.badInput ? Number.NaN : undefined;
  return Number(el.value);
}

// What was typed, kept in this tab while the form is open: if the session ends meanwhile, signing in again reopens
// the form (?add=crawl) with it. Dropped when the crawl starts or the form is closed while still signed in.
const DRAFT_KEY = 'archon:crawl-draft';
const TEXT_FIELDS = ['url', 'maxDepth', 'maxPages', 'title', 'include', 'exclude', 'concurrency', 'delayMs', 'timeoutMs', 'maxKb', 'maxRedirects'];
type Draft = {
  fields: Record<string, string>;
  tags: string[];
  type: 'technical' | 'business';
  refresh: string;
  mode: string;
  scope: string;
  robots: boolean;
};

function readDraft(): Draft | null {
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null') as Draft | null;
    return draft && typeof draft.fields === 'object' && Array.isArray(draft.tags) ? draft : null;
  } catch {
    return null;
  }
}

function writeDraft(draft: Draft | null) {
  try {
    if (draft) sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // Storage full or off: the form still works, without a draft.
  }
}

/**
 * Crawling a site with every option the server takes. The common ones are in
 * view; the rest sit in a fold that opens by itself when the server refuses
 * one of them. The server's message shows under the field it is about.
 */
export function CrawlForm({ onStarted, tags: knownTags }: { onStarted: (job: Job, url: string) => void; tags: string[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [tags, setTags] = useState<string[]>([]);
  const [type, setType] = useState<'technical' | 'business'>('technical');
  const [refresh, setRefresh] = useState('off');
  const [mode, setMode] = useState('auto');
  const [scope, setScope] = useState('prefix');
  const [robots, setRobots] = useState(true);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const restored = useRef(false);
  const saveDraft = () => {
    const el = form.current?.elements;
    if (!el || !restored.current) return;
    const fields: Record<string, string> = {};
    for (const name of TEXT_FIELDS) {
      const value = (el.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value;
      if (value) fields[name] = value;
    }
    writeDraft({ fields, tags, type, refresh, mode, scope, robots });
  };
  // Restored after the first render (sessionStorage is the browser's only), before anything is saved over it.
  useEffect(() => {
    const draft = readDraft();
    restored.current = true;
    if (!draft) return;
    const el = form.current?.elements;
    for (const [name, value] of Object.entries(draft.fields)) {
      const field = el?.namedItem(name);
      if (TEXT_FIELDS.includes(name) && (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement)) field.value = String(value);
    }
    setTags(draft.tags.filter((t) => typeof t === 'string'));
    if (draft.type === 'technical' || draft.type === 'business') setType(draft.type);
    if (typeof draft.refresh === 'string') setRefresh(draft.refresh);
    if (typeof draft.mode === 'string') setMode(draft.mode);
    if (typeof draft.scope === 'string') setScope(draft.scope);
    if (typeof draft.robots === 'boolean') setRobots(draft.robots);
    if (TEXT_FIELDS.slice(3).some((f) => draft.fields[f])) setAdvancedOpen(true); // a field in the fold has a value
  }, []);
  // Saved whenever a controlled value changes; typed text is saved on input.
  useEffect(saveDraft, [tags, type, refresh, mode, scope, robots]);
  // Closing the form drops the draft, unless the session ended: then the form closes on the way to sign in again.
  useEffect(() => () => void (!sessionEndedHref() && writeDraft(null)), []);
  const crawl = useMutation(
    trpc.knowledge.crawl.mutationOptions({
      onSuccess: (job, input) => {
        writeDraft(null);
        void queryClient.invalidateQueries(trpc.knowledge.pathFilter());
        onStarted(job, input.url);
      },
      onError: (err) => {
        const fields = Object.keys(fieldErrorsOf(err)).map((f) => f.split('.')[0]!);
        if (fields.some((f) => ADVANCED_FIELDS.includes(f))) setAdvancedOpen(true);
        // Focus the first refused field, as the sign-in form does.
        requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus());
      },
    }),
  );
  const errors = crawl.error ? fieldErrorsOf(crawl.error) : {};
  // A pattern's error names its line: include.2 is the third line.
  const errorOf = (name: string) =>
    Object.entries(errors)
      .filter(([k]) => k === name || k.startsWith(`${name}.`))
      .map(([k, v]) => (k === name ? v : `Line ${Number(k.split('.')[1]) + 1}: ${v}`))
      .join(' ') || undefined;
  const general = crawl.error && Object.keys(errors).length === 0 ? describeError(crawl.error) : null;

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const el = e.currentTarget.elements;
    const value = (name: string) => (el.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? '';
    const input: CrawlInput = {
      url: value('url').trim(),
      knowledgeType: type,
      tags,
      refreshInterval: refresh as CrawlInput['refreshInterval'],
      mode: mode as CrawlInput['mode'],
      scope: scope as CrawlInput['scope'],
      respectRobots: robots,
      include: lines(value('include')),
      exclude: lines(value('exclude')),
    };
    const title = value('title').trim();
    if (title) input.title = title;
    for (const name of ['maxDepth', 'maxPages', 'concurrency', 'delayMs', 'timeoutMs', 'maxRedirects'] as const) {
      const n = numberOf(el.namedItem(name) as HTMLInputElement | null);
      if (n !== undefined) input[name] = n;
    }
    const kb = numberOf(el.namedItem('maxKb') as HTMLInputElement | null);
    if (kb !== undefined) input.maxBytes = Math.round(kb * 1024);
    crawl.mutate(input);
  };

  return (
    <form ref={form} onSubmit={submit} onInput={saveDraft} noValidate aria-label="Crawl a website" className="grid gap-4">
      {general && (
        <Alert variant="destructive" title={general.title}>
          {general.message}
        </Alert>
      )}
      <Field
        label="URL"
        className="content-start"
        required
        hint="A docs site, a sitemap.xml, an llms.txt or a single Markdown file."
        error={errorOf('url')}
      >
        <Input name="url" type="url" inputMode="url" autoComplete="url" placeholder="https://docs.example.com/" spellCheck={false} autoFocus />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Max depth" className="content-start" hint="Links followed from the start page (1 = only it)." error={errorOf('maxDepth')}>
          <Input name="maxDepth" type="number" min={1} max={100} placeholder="2" />
        </Field>
        <Field label="Max pages" className="content-start" hint="The crawl stops after this many." error={errorOf('maxPages')}>
          <Input name="maxPages" type="number" min={1} max={100000} placeholder="1000" />
        </Field>
        <Field label="Type" className="content-start" error={errorOf('knowledgeType')}>
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
        <Field
          label="Refresh"
          className="content-start"
          hint="Re-crawl on a schedule; unchanged pages are skipped."
          error={errorOf('refreshInterval')}
        >
          <Select value={refresh} onValueChange={setRefresh}>
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
      <Field label="Tags" className="content-start" hint="Press Enter after each; search can filter by them." error={errorOf('tags')}>
        <TagInput value={tags} onChange={setTags} suggestions={knownTags} name="tags" />
      </Field>

      <details
        open={advancedOpen}
        onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
        className="group rounded-lg border border-border bg-muted/30"
      >
        <summary className="focus-ring flex cursor-default list-none items-center gap-1.5 rounded-lg px-3 py-2 text-sm font-medium [&::-webkit-details-marker]:hidden">
          <ChevronRight aria-hidden className="size-4 text-muted-foreground transition-transform group-open:rotate-90" />
          Advanced options
          <span className="font-normal text-muted-foreground">mode, scope, patterns, robots.txt, speed</span>
        </summary>
        <div className="grid gap-4 border-t border-border px-3 pb-4 pt-3 sm:grid-cols-2">
          <Field label="Title" hint="By default, the site's own." error={errorOf('title')} className="sm:col-span-2">
            <Input name="title" maxLength={200} />
          </Field>
          <Field label="Mode" className="content-start" error={errorOf('mode')}>
            <Select value={mode} onValueChange={setMode}>
              <SelectTrigger>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {MODES.map((m) => (
                  <SelectItem key={m.value} value={m.value}>
                    {m.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          <Field label="Scope" className="content-start" hint="Which links count as the same site." error={errorOf('scope')}>
            <Select value={scope} onValueChange={setScope}>
              <SelectTrigger>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="prefix">Below the start URL</SelectItem>
                <SelectItem value="host">The same host</SelectItem>
                <SelectItem value="domain">The domain and its subdomains</SelectItem>
              </SelectContent>
            </Select>
          </Field>
          <Field
            label="Include"
            className="content-start"
            hint="One glob or /regex/ per line; only matching URLs are crawled."
            error={errorOf('include')}
          >
            <Textarea name="include" rows={3} spellCheck={false} className="font-mono text-xs" placeholder="/docs/**" />
          </Field>
          <Field label="Exclude" className="content-start" hint="One per line; exclusion wins over inclusion." error={errorOf('exclude')}>
            <Textarea name="exclude" rows={3} spellCheck={false} className="font-mono text-xs" placeholder="**/changelog/**" />
          </Field>
          <Field label="Concurrency" className="content-start" hint="Requests at once (1–32)." error={errorOf('concurrency')}>
            <Input name="concurrency" type="number" min={1} max={32} placeholder="4" />
          </Field>
          <Field label="Delay (ms)" className="content-start" hint="Between requests; robots.txt may ask for more." error={errorOf('delayMs')}>
            <Input name="delayMs" type="number" min={0} max={60000} placeholder="0" />
          </Field>
          <Field label="Timeout (ms)" className="content-start" hint="Per request." error={errorOf('timeoutMs')}>
            <Input name="timeoutMs" type="number" min={1000} max={120000} placeholder="30000" />
          </Field>
          <Field
            label="Largest page (KB)"
            className="content-start"
            // The server words its limit in bytes (maxBytes); the field takes KB.
            error={errorOf('maxBytes') && `A size from ${MIN_KB} to ${formatCount(MAX_KB)} KB`}
          >
            <Input name="maxKb" type="number" min={MIN_KB} max={MAX_KB} placeholder="10240" />
          </Field>
          <Field label="Max redirects" className="content-start" error={errorOf('maxRedirects')}>
            <Input name="maxRedirects" type="number" min={0} max={20} placeholder="5" />
          </Field>
          <Field
            inline
            label="Follow robots.txt"
            hint="Skip what the site asks crawlers to skip."
            error={errorOf('respectRobots')}
            className="self-center"
          >
            <Checkbox checked={robots} onCheckedChange={(c) => setRobots(c === true)} />
          </Field>
        </div>
      </details>

      <div className="sticky -bottom-4 -mx-5 -mb-4 flex items-center justify-end gap-2 rounded-b-xl border-t border-border bg-surface px-5 py-3">
        <Button type="submit" variant="primary" loading={crawl.isPending}>
          <Globe aria-hidden /> Start crawl
        </Button>
      </div>
    </form>
  );
}
