'use client';

import { Search, X } from 'lucide-react';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '../../../_components/ui/button';
import { Input } from '../../../_components/ui/input';
import { Label } from '../../../_components/ui/label';
import { Select, SelectContent, SelectItem, SelectSeparator, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { Switch } from '../../../_components/ui/switch';
import { cn } from '../../../_lib/cn';
import { useUrlState } from '../../knowledge/url-state';
import { ASSIGNEE_PRESETS, type BoardTask, PRIORITIES, PRIORITY, type TaskPriority } from '../task-meta';

export type TaskFilters = { q: string; assignee: string | null; priority: TaskPriority | null; feature: string | null; archived: boolean };

const ANY = '__any__';
const NO_FEATURE = '__none__';

/** The board's and the table's filters, held in the URL so a reload or a shared link shows the same tasks. */
export function useTaskFilters() {
  const { params, set } = useUrlState();
  const priority = params.get('priority');
  const filters: TaskFilters = {
    q: params.get('q') ?? '',
    assignee: params.get('assignee'),
    priority: priority && (PRIORITIES as readonly string[]).includes(priority) ? (priority as TaskPriority) : null,
    feature: params.get('feature'),
    archived: params.get('archived') === '1',
  };
  return { filters, set };
}

export const isFiltered = (f: TaskFilters) => Boolean(f.q || f.assignee || f.priority || f.feature);

/** A predicate for the filters; the text matches title, feature, assignee and the id's start. */
export function taskMatcher(f: TaskFilters): (t: BoardTask) => boolean {
  const q = f.q.trim().toLowerCase();
  return (t) =>
    (!f.assignee || t.assignee === f.assignee) &&
    (!f.priority || t.priority === f.priority) &&
    (!f.feature || (f.feature === NO_FEATURE ? !t.feature : t.feature === f.feature)) &&
    (!q ||
      t.title.toLowerCase().includes(q) ||
      (t.feature ?? '').toLowerCase().includes(q) ||
      t.assignee.toLowerCase().includes(q) ||
      t.id.startsWith(q));
}

/** The assignees and features in use, for the filters and the editor's suggestions: presets first, then by name. */
export function useTaskVocabulary(tasks: Iterable<BoardTask>): Vocabulary {
  const previous = useRef<Vocabulary | null>(null);
  return useMemo(() => {
    const assignees = new Set<string>(ASSIGNEE_PRESETS);
    const features = new Set<string>();
    for (const t of tasks) {
      assignees.add(t.assignee);
      if (t.feature) features.add(t.feature);
    }
    const others = [...assignees].filter((a) => !(ASSIGNEE_PRESETS as readonly string[]).includes(a)).sort((a, b) => a.localeCompare(b));
    const next = { assignees: [...ASSIGNEE_PRESETS, ...others], features: [...features].sort((a, b) => a.localeCompare(b)) };
    // Most changes (a move, an edit) leave the words as they were: the same object lets what shows them skip rendering.
    const old = previous.current;
    if (old && sameList(old.assignees, next.assignees) && sameList(old.features, next.features)) return old;
    previous.current = next;
    return next;
  }, [tasks]);
}

type Vocabulary = { assignees: string[]; features: string[] };
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function TextFilter({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 150);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="relative w-full min-w-44 sm:w-56">
      <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
      <Input
        type="search"
        aria-label="Filter tasks by title, feature or assignee"
        placeholder="Filter tasks…"
        data-slash-focus
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && onChange(text)}
        className="pl-8"
        data-testid="task-filter-text"
      />
    </div>
  );
}

function FilterSelect({
  label,
  value,
  onChange,
  anyLabel,
  options,
  testId,
}: {
  label: string;
  value: string | null;
  onChange: (v: string | null) => void;
  anyLabel: string;
  options: { value: string; label: string }[];
  testId: string;
}) {
  return (
    <Select value={value ?? ANY} onValueChange={(v) => onChange(v === ANY ? null : v)}>
      <SelectTrigger
        aria-label={label}
        className={cn('w-auto min-w-32 max-w-48', value && 'border-accent/60 bg-accent-subtle text-accent-text')}
        data-testid={testId}
      >
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        <SelectItem value={ANY}>{anyLabel}</SelectItem>
        <SelectSeparator />
        {options.map((o) => (
          <SelectItem key={o.value} value={o.value}>
            {o.label}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

/** Text, assignee, priority and feature filters, and "Show archived", above the board and the table. */
export function TaskFiltersBar({ tasks, shown, total, className }: { tasks: Iterable<BoardTask>; shown: number; total: number; className?: string }) {
  const { assignees, features } = useTaskVocabulary(tasks);
  return <FiltersBar assignees={assignees} features={features} shown={shown} total={total} className={className} />;
}

// Memoised: a task's move or edit changes none of these, and three Radix selects rendering again cost a board
// of 500 tasks about half of the time between another person's move arriving and its paint.
const FiltersBar = memo(function FiltersBar({
  assignees,
  features,
  shown,
  total,
  className,
}: Vocabulary & { shown: number; total: number; className?: string }) {
  const { filters, set } = useTaskFilters();
  const filtered = isFiltered(filters);
  return (
    <div className={cn('mb-4 flex flex-wrap items-center gap-2', className)} data-testid="task-filters">
      <TextFilter value={filters.q} onChange={(q) => set({ q: q || null })} />
      <FilterSelect
        label="Assignee"
        anyLabel="Anyone"
        value={filters.assignee}
        onChange={(v) => set({ assignee: v })}
        options={assignees.map((a) => ({ value: a, label: a }))}
        testId="filter-assignee"
      />
      <FilterSelect
        label="Priority"
        anyLabel="Any priority"
        value={filters.priority}
        onChange={(v) => set({ priority: v })}
        options={PRIORITIES.map((p) => ({ value: p, label: PRIORITY[p].label }))}
        testId="filter-priority"
      />
      <FilterSelect
        label="Feature"
        anyLabel="Any feature"
        value={filters.feature}
        onChange={(v) => set({ feature: v })}
        options={[{ value: NO_FEATURE, label: 'No feature' }, ...features.map((f) => ({ value: f, label: f }))]}
        testId="filter-feature"
      />
      {filtered && (
        <Button variant="ghost" size="sm" onClick={() => set({ q: null, assignee: null, priority: null, feature: null })}>
          <X aria-hidden /> Clear
        </Button>
      )}
      <div className="ml-auto flex items-center gap-4">
        <span className="text-sm tabular-nums text-muted-foreground" aria-live="polite" data-testid="task-count">
          {filtered
            ? `${shown.toLocaleString('en')} of ${total.toLocaleString('en')} tasks`
            : `${total.toLocaleString('en')} ${total === 1 ? 'task' : 'tasks'}`}
        </span>
        <div className="flex items-center gap-2">
          <Switch
            id="show-archived"
            checked={filters.archived}
            onCheckedChange={(c) => set({ archived: c ? '1' : null })}
            data-testid="show-archived"
          />
          <Label htmlFor="show-archived" className="font-normal">
            Show archived
          </Label>
        </div>
      </div>
    </div>
  );
});
