'use client';

import { ChevronDown } from 'lucide-react';
import { useId, useState } from 'react';
import { cn } from '../../_lib/cn';

export type ScoreParts = {
  fused: number;
  vectorRank: number | null;
  textRank: number | null;
  vectorSimilarity: number | null;
  textScore: number | null;
  rerank?: number;
};

const fixed = (n: number, digits: number) => n.toFixed(digits);

/** A toggle showing how a result scored; the parts appear below it when opened. */
export function ScoreToggle({ score, open, onToggle, controls }: { score: number; open: boolean; onToggle: () => void; controls: string }) {
  return (
    <button
      type="button"
      aria-expanded={open}
      aria-controls={controls}
      onClick={onToggle}
      className="focus-ring inline-flex h-6 shrink-0 items-center gap-1 rounded-md px-1.5 font-mono text-xs tabular-nums text-muted-foreground hover:bg-muted hover:text-foreground"
    >
      <span className="sr-only">Score</span>
      {fixed(score, 4)}
      <ChevronDown aria-hidden className={cn('size-3.5 transition-transform', open && 'rotate-180')} />
    </button>
  );
}

function Part({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="font-mono text-sm tabular-nums">
        {value}
        {hint && <span className="ml-1.5 text-xs text-muted-foreground">{hint}</span>}
      </dd>
    </div>
  );
}

/** The parts of a fused score: each list's rank (and raw score) and the fused and reranked scores. */
export function ScoreBreakdown({ id, score, pageScore, chunkMatches }: { id: string; score: ScoreParts; pageScore?: number; chunkMatches?: number }) {
  return (
    <dl id={id} className="mt-3 grid grid-cols-2 gap-x-6 gap-y-2 rounded-lg border border-border bg-muted/40 px-3 py-2.5 sm:grid-cols-4">
      <Part label="Fused score" value={fixed(score.fused, 4)} hint="RRF" />
      <Part
        label="Vector rank"
        value={score.vectorRank === null ? '—' : `#${score.vectorRank}`}
        hint={score.vectorSimilarity === null ? 'not in the list' : `similarity ${fixed(score.vectorSimilarity, 3)}`}
      />
      <Part
        label="Text rank"
        value={score.textRank === null ? '—' : `#${score.textRank}`}
        hint={score.textScore === null ? 'not in the list' : `BM25 ${fixed(score.textScore, 2)}`}
      />
      {score.rerank !== undefined ? (
        <Part label="Rerank" value={fixed(score.rerank, 3)} />
      ) : pageScore !== undefined ? (
        <Part
          label="Page score"
          value={fixed(pageScore, 4)}
          hint={chunkMatches ? `${chunkMatches} matching section${chunkMatches === 1 ? '' : 's'}` : undefined}
        />
      ) : null}
    </dl>
  );
}

/** Open state and ids for one result's score toggle. */
export function useScoreDisclosure() {
  const [open, setOpen] = useState(false);
  const id = `score-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  return { open, id, toggle: () => setOpen((o) => !o) };
}
