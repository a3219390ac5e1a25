'use client';

import { type ChangeObject, diffLines, diffWordsWithSpace } from 'diff';
import { ChevronsUpDown } from 'lucide-react';
import { Fragment, useEffect, useMemo, useState } from 'react';
import { cn } from '../../_lib/cn';

export type DiffMode = 'lines' | 'words';

type Line = { kind: 'same' | 'added' | 'removed'; text: string; oldNo: number | null; newNo: number | null };
type Block = { kind: 'lines'; lines: Line[] } | { kind: 'gap'; lines: Line[]; id: number };

// Beyond this a diff gives up rather than freeze the tab (jsdiff's own time limit).
const TIMEOUT_MS = 1500;

const splitLines = (value: string) => {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

function toLines(changes: ChangeObject<string>[]): Line[] {
  const out: Line[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const c of changes) {
    for (const text of splitLines(c.value)) {
      if (c.added) out.push({ kind: 'added', text, oldNo: null, newNo: newNo++ });
      else if (c.removed) out.push({ kind: 'removed', text, oldNo: oldNo++, newNo: null });
      else out.push({ kind: 'same', text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return out;
}

/** Changed lines with `context` unchanged lines around them; longer unchanged runs fold into a gap that opens on request. */
function toBlocks(lines: Line[], context: number): Block[] {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = true;
  });
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const shown = keep[i]!;
    let j = i;
    while (j < lines.length && keep[j] === shown) j++;
    const run = lines.slice(i, j);
    // A fold of one or two lines hides less than its own row: show them.
    blocks.push(shown || run.length <= 2 ? { kind: 'lines', lines: run } : { kind: 'gap', lines: run, id: i });
    i = j;
  }
  return blocks;
}

const MARK = { added: '+', removed: '−', same: '' } as const;
const SPOKEN = { added: 'Added', removed: 'Removed', same: 'Unchanged' } as const;

function LineRow({ line }: { line: Line }) {
  return (
    <tr data-change={line.kind} className={cn(line.kind === 'added' && 'bg-success-subtle', line.kind === 'removed' && 'bg-destructive-subtle')}>
      <td className="w-10 select-none border-r border-border px-2 text-right align-top text-muted-foreground tabular-nums">{line.oldNo ?? ''}</td>
      <td className="w-10 select-none border-r border-border px-2 text-right align-top text-muted-foreground tabular-nums">{line.newNo ?? ''}</td>
      <td
        className={cn(
          'w-6 select-none text-center align-top font-semibold',
          line.kind === 'added' && 'text-success-text',
          line.kind === 'removed' && 'text-destructive-text',
        )}
      >
        <span aria-hidden>{MARK[line.kind]}</span>
        <span className="sr-only">{SPOKEN[line.kind]}</span>
      </td>
      <td className="whitespace-pre-wrap break-words py-px pr-4 align-top [overflow-wrap:anywhere]">{line.text || '\u200b'}</td>
    </tr>
  );
}

/**
 * What changed between two texts, as jsdiff sees it. `lines`: a unified diff
 * with old and new line numbers, long unchanged runs folded; `words`: the
 * text once, with removed words struck through and added ones underlined.
 * Changes carry a visible + or − (or strike-through and underline) and a
 * spoken "Added"/"Removed", never colour alone. Text is rendered as text.
 *
 *   <DiffView before={v1.content} after={v2.content} mode="lines" label="Changes from version 1 to version 2" />
 */
export function DiffView({
  before,
  after,
  mode = 'lines',
  context = 3,
  label,
  className,
}: {
  before: string;
  after: string;
  mode?: DiffMode;
  context?: number;
  /** Names the diff for screen readers. */
  label: string;
  className?: string;
}) {
  const [opened, setOpened] = useState<Set<number>>(() => new Set());
  // Folds are numbered by position, so other texts start folded again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the texts are the trigger, not read
  useEffect(() => setOpened(new Set()), [before, after, mode]);
  const result = useMemo(() => {
    if (mode === 'words') {
      const words = diffWordsWithSpace(before, after, { timeout: TIMEOUT_MS });
      return words ? { mode, words } : null;
    }
    const changes = diffLines(before, after, { timeout: TIMEOUT_MS });
    if (!changes) return null;
    const lines = toLines(changes);
    return { mode, lines, blocks: toBlocks(lines, context) };
  }, [before, after, mode, context]);

  const counts = useMemo(() => {
    if (!result) return null;
    if (result.mode === 'words') {
      const n = (f: (c: ChangeObject<string>) => boolean | undefined) =>
        result.words.filter(f).reduce((sum, c) => sum + c.value.split(/\s+/).filter(Boolean).length, 0);
      return { added: n((c) => c.added), removed: n((c) => c.removed), unit: 'words' };
    }
    return {
      added: result.lines.filter((l) => l.kind === 'added').length,
      removed: result.lines.filter((l) => l.kind === 'removed').length,
      unit: 'lines',
    };
  }, [result]);

  if (!result || !counts) {
    return (
      <p role="status" className={cn('rounded-lg border border-border bg-muted/40 px-4 py-6 text-center text-sm text-muted-foreground', className)}>
        These versions differ too much to compare here in reasonable time. Open each version to read it whole.
      </p>
    );
  }

  const summary = (
    <p className="flex items-center gap-3 border-b border-border px-3 py-2 text-xs text-muted-foreground" data-testid="diff-summary">
      <span className="font-medium text-success-text tabular-nums">+{counts.added}</span>
      <span className="font-medium text-destructive-text tabular-nums">−{counts.removed}</span>
      <span className="sr-only">
        {counts.added} {counts.unit} added, {counts.removed} removed
      </span>
      <span aria-hidden>{counts.unit}</span>
    </p>
  );

  if (counts.added === 0 && counts.removed === 0) {
    return (
      <section aria-label={label} className={cn('overflow-hidden rounded-lg border border-border bg-surface', className)} data-testid="diff">
        {summary}
        <p className="px-4 py-6 text-center text-sm text-muted-foreground">No differences: the two versions have the same text.</p>
      </section>
    );
  }

  return (
    <section aria-label={label} className={cn('overflow-hidden rounded-lg border border-border bg-surface', className)} data-testid="diff">
      {summary}
      {result.mode === 'words' ? (
        <div className="whitespace-pre-wrap px-4 py-3 font-mono text-[13px] leading-relaxed [overflow-wrap:anywhere]" data-testid="diff-words">
          {result.words.map((c, i) =>
            c.added ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: the diff is rebuilt whole; position is the identity
              <ins key={i} className="rounded-sm bg-success-subtle underline decoration-success decoration-2 underline-offset-2" data-change="added">
                <span className="sr-only">[added: </span>
                {c.value}
                <span className="sr-only">]</span>
              </ins>
            ) : c.removed ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: as above
              <del key={i} className="rounded-sm bg-destructive-subtle line-through decoration-destructive decoration-2" data-change="removed">
                <span className="sr-only">[removed: </span>
                {c.value}
                <span className="sr-only">]</span>
              </del>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: as above
              <span key={i}>{c.value}</span>
            ),
          )}
        </div>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse font-mono text-[13px] leading-6" data-testid="diff-lines">
            <thead className="sr-only">
              <tr>
                <th scope="col">Old line</th>
                <th scope="col">New line</th>
                <th scope="col">Change</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            <tbody>
              {result.blocks.map((b, bi) =>
                b.kind === 'lines' || opened.has(b.id) ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: blocks are rebuilt whole with the diff
                  <Fragment key={bi}>
                    {b.lines.map((l, li) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: as above
                      <LineRow key={li} line={l} />
                    ))}
                  </Fragment>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: as above
                  <tr key={bi} className="bg-muted/50">
                    <td colSpan={4} className="p-0">
                      <button
                        type="button"
                        className="focus-ring flex w-full items-center gap-2 px-3 py-1 font-sans text-xs text-muted-foreground hover:bg-muted hover:text-foreground"
                        onClick={() => setOpened((s) => new Set(s).add(b.id))}
                      >
                        <ChevronsUpDown aria-hidden className="size-3.5" />
                        Show {b.lines.length} unchanged lines
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
