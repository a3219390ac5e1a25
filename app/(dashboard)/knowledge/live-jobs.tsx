'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { toast } from 'sonner';
import { type RouterOutputs, useTRPC } from '../../_lib/trpc';
import { formatCount, JOB_KIND_LABELS } from './format';

/**
 * Live job progress for the knowledge pages, from `jobs.onProgress` only (no polling).
 *
 * Each job being watched has its own subscription from its first event, so a
 * reload replays its whole history (the sparkline, the errors), and a dropped
 * connection resumes from the last event received (the client sends it as
 * `lastEventId`); events are applied once each, in id order. One more
 * subscription to every job, from now, finds jobs started elsewhere (another
 * tab, an agent over MCP, the refresh scheduler).
 */

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
type JobSnapshot = RouterOutputs['jobs']['list']['items'][number];
type StreamEvent = { id: string; data: { id: number; jobId: string; kind: string; payload: Record<string, unknown>; createdAt: Date | string } };

export type JobIssue = { id: number; level: 'error' | 'warn' | 'info'; message: string; at: number };

export type LiveJob = {
  id: string;
  kind: string;
  status: JobStatus;
  sourceId: string | null;
  pagesDiscovered: number;
  pagesFetched: number;
  pagesSkipped: number;
  pagesFailed: number;
  chunksStored: number;
  embeddingsDone: number;
  embeddingsFailed: number;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The last progress line (an uploaded file's name, for instance). */
  message: string | null;
  /** Events applied so far and the id of the last one: a resumed stream must continue from it with no gap. */
  eventCount: number;
  lastEventId: number;
  /** Error and warning lines of the job's log, newest last (at most 50 kept). */
  issues: JobIssue[];
  errorCount: number;
  /** Pages settled (fetched, skipped or failed) over server time, one sample per status or progress event. */
  samples: { t: number; done: number }[];
  /** A cancel was asked for and the server has not answered yet. */
  cancelling: boolean;
  /** Seen queued or running here, so its end is worth a toast. */
  seenActive: boolean;
};

export const TERMINAL: JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isActive = (status: JobStatus) => !TERMINAL.includes(status);
export const pagesDone = (j: Pick<LiveJob, 'pagesFetched' | 'pagesSkipped' | 'pagesFailed'>) => j.pagesFetched + j.pagesSkipped + j.pagesFailed;

const time = (v: unknown): number | null => {
  if (v == null) return null;
  const t = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(t) ? null : t;
};
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function fromSnapshot(s: Record<string, unknown>, prev?: LiveJob): LiveJob {
  return {
    id: String(s.id),
    kind: String(s.kind ?? prev?.kind ?? 'crawl'),
    status: (s.status as JobStatus) ?? prev?.status ?? 'queued',
    sourceId: (s.sourceId as string | null | undefined) ?? prev?.sourceId ?? null,
    pagesDiscovered: num(s.pagesDiscovered),
    pagesFetched: num(s.pagesFetched),
    pagesSkipped: num(s.pagesSkipped),
    pagesFailed: num(s.pagesFailed),
    chunksStored: num(s.chunksStored),
    embeddingsDone: num(s.embeddingsDone),
    embeddingsFailed: num(s.embeddingsFailed),
    error: (s.error as string | null | undefined) ?? null,
    createdAt: time(s.createdAt) ?? prev?.createdAt ?? Date.now(),
    startedAt: time(s.startedAt),
    finishedAt: time(s.finishedAt),
    message: typeof s.message === 'string' ? s.message : (prev?.message ?? null),
    eventCount: prev?.eventCount ?? 0,
    lastEventId: prev?.lastEventId ?? 0,
    issues: prev?.issues ?? [],
    errorCount: prev?.errorCount ?? 0,
    samples: prev?.samples ?? [],
    cancelling: prev?.cancelling ?? false,
    seenActive: prev?.seenActive ?? false,
  };
}

export type LiveJobStore = ReturnType<typeof createLiveJobStore>;

function createLiveJobStore() {
  const jobs = new Map<string, LiveJob>();
  let ids: string[] = [];
  const listeners = new Set<() => void>();
  const endListeners = new Set<(job: LiveJob) => void>();
  const progressListeners = new Set<(job: LiveJob) => void>();
  const emit = () => {
    for (const l of listeners) l();
  };
  const set = (job: LiveJob) => {
    const isNew = !jobs.has(job.id);
    jobs.set(job.id, job);
    if (isNew) ids = [...ids, job.id];
    emit();
  };
  return {
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEnd(listener: (job: LiveJob) => void) {
      endListeners.add(listener);
      return () => endListeners.delete(listener);
    },
    onProgress(listener: (job: LiveJob) => void) {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
    ids: () => ids,
    get: (id: string) => jobs.get(id),
    has: (id: string) => jobs.has(id),
    /** The newest watched job of a source, running or not. */
    forSource(sourceId: string): LiveJob | undefined {
      let best: LiveJob | undefined;
      for (const j of jobs.values()) if (j.sourceId === sourceId && (!best || j.createdAt > best.createdAt)) best = j;
      return best;
    },
    /** Starts watching a job from a snapshot (a list or a mutation's answer); its stream then replays every event. */
    track(snapshot: JobSnapshot | Record<string, unknown>) {
      const s = snapshot as Record<string, unknown>;
      const prev = jobs.get(String(s.id));
      if (prev && prev.eventCount > 0) return; // the stream already says more than any snapshot
      const job = fromSnapshot(s, prev);
      job.seenActive ||= isActive(job.status);
      set(job);
    },
    /** Applies one event of a job's stream; one already applied (a resume that overlaps) is ignored. */
    apply(event: StreamEvent) {
      const e = event.data;
      const prev = jobs.get(e.jobId);
      if (prev && e.id <= prev.lastEventId) return;
      let next: LiveJob;
      if (e.kind === 'log') {
        const base = prev ?? fromSnapshot({ id: e.jobId });
        const level = (e.payload.level as JobIssue['level']) ?? 'info';
        const issues =
          level === 'info'
            ? base.issues
            : [...base.issues, { id: e.id, level, message: String(e.payload.message ?? ''), at: time(e.createdAt) ?? 0 }].slice(-50);
        next = { ...base, issues, errorCount: base.errorCount + (level === 'error' ? 1 : 0) };
      } else {
        next = fromSnapshot(e.payload, prev);
        const done = pagesDone(next);
        const t = time(e.createdAt) ?? Date.now();
        next.samples = [...next.samples, { t, done }].slice(-600);
        if (isActive(next.status)) next.seenActive = true;
        else next.cancelling = false;
      }
      next.eventCount += 1;
      next.lastEventId = e.id;
      set(next);
      if (e.kind !== 'log') for (const l of progressListeners) l(next);
      if (prev && isActive(prev.status) && !isActive(next.status)) for (const l of endListeners) l(next);
    },
    setCancelling(id: string, cancelling: boolean) {
      const job = jobs.get(id);
      if (job && job.cancelling !== cancelling) set({ ...job, cancelling });
    },
  };
}

const count = (n: number, one: string) => `${formatCount(n)} ${one}${n === 1 ? '' : 's'}`;

const LiveJobsContext = createContext<LiveJobStore | null>(null);

function useStore(): LiveJobStore {
  const store = useContext(LiveJobsContext);
  if (!store) throw new Error('useLiveJob needs a LiveJobsProvider above it');
  return store;
}

/** The newest watched job of a source (re-rendering only when that job changes). */
export function useSourceJob(sourceId: string): LiveJob | undefined {
  const store = useStore();
  return useSyncExternalStore(
    store.subscribe,
    () => store.forSource(sourceId),
    () => undefined,
  );
}

export function useLiveJob(jobId: string | null | undefined): LiveJob | undefined {
  const store = useStore();
  return useSyncExternalStore(
    store.subscribe,
    () => (jobId ? store.get(jobId) : undefined),
    () => undefined,
  );
}

/** Starts watching a job the page just started (a crawl, a refresh, an upload). */
export function useTrackJob(): (job: JobSnapshot | Record<string, unknown>) => void {
  const store = useStore();
  return (job) => store.track(job);
}

export function useLiveJobStore(): LiveJobStore {
  return useStore();
}

/** One job's stream, from its first event; closed once the job has ended. */
function JobTracker({ jobId, store }: { jobId: string; store: LiveJobStore }) {
  const trpc = useTRPC();
  const job = useLiveJob(jobId);
  const ended = job !== undefined && job.eventCount > 0 && !isActive(job.status);
  useSubscription(
    trpc.jobs.onProgress.subscriptionOptions(
      { jobId, lastEventId: null },
      {
        enabled: !ended,
        onData: (event) => store.apply(event as unknown as StreamEvent),
      },
    ),
  );
  return null;
}

/**
 * Watches the jobs of every source (or of one, with `sourceId`): those running
 * when the page opens, those it starts, and those started elsewhere meanwhile.
 * When a job ends, the queries its work changed are refetched; while it runs,
 * they are refetched at most every few seconds, so counts climb as it goes.
 */
export function LiveJobsProvider({ sourceId, children }: { sourceId?: string; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [store] = useState(createLiveJobStore);
  const activeInput = { status: ['queued', 'running'] as JobStatus[], limit: 200, ...(sourceId ? { sourceId } : {}) };
  const active = useQuery(trpc.jobs.list.queryOptions(activeInput));
  useEffect(() => {
    for (const job of active.data?.items ?? []) store.track(job);
  }, [active.data, store]);

  useSubscription(
    trpc.jobs.onProgress.subscriptionOptions(
      { lastEventId: null },
      {
        // Jobs started between the list's answer and this stream's start are in a fresh list.
        onStarted: () => void queryClient.invalidateQueries(trpc.jobs.list.queryFilter(activeInput)),
        onData: (event) => {
          const e = (event as unknown as StreamEvent).data;
          if (e.kind === 'log' || store.has(e.jobId)) return;
          if (sourceId && e.payload.sourceId !== sourceId) return;
          if (!isActive(e.payload.status as JobStatus)) return;
          store.track(e.payload);
        },
      },
    ),
  );

  // What a job's work changes: the sources and their counts, statuses, pages, chunks, examples, the job lists.
  const refreshData = useRef<() => void>(() => {});
  refreshData.current = () => {
    void queryClient.invalidateQueries(trpc.knowledge.pathFilter());
    void queryClient.invalidateQueries(trpc.jobs.list.pathFilter());
  };
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const offProgress = store.onProgress(() => {
      // Throttled to one refetch every 3 s while jobs run.
      if (timer) return;
      const wait = Math.max(0, last + 3_000 - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        refreshData.current();
      }, wait);
    });
    const offEnd = store.onEnd((job) => {
      refreshData.current();
      if (!job.seenActive) return;
      const what = JOB_KIND_LABELS[job.kind] ?? 'Job';
      if (job.status === 'completed') {
        const parts = [
          `${count(job.pagesFetched, 'page')} stored`,
          job.pagesSkipped ? `${formatCount(job.pagesSkipped)} unchanged or skipped` : '',
          job.pagesFailed ? `${formatCount(job.pagesFailed)} failed` : '',
          `${count(job.chunksStored, 'chunk')} written`,
        ];
        toast.success(`${what} finished`, { description: `${parts.filter(Boolean).join(', ')}.` });
      } else if (job.status === 'failed') {
        toast.error(`${what} failed`, { description: job.error ?? 'The job log says why.' });
      }
    });
    return () => {
      offProgress();
      offEnd();
      clearTimeout(timer);
    };
  }, [store]);

  const ids = useSyncExternalStore(store.subscribe, store.ids, store.ids);
  return (
    <LiveJobsContext value={store}>
      {ids.map((id) => (
        <JobTracker key={id} jobId={id} store={store} />
      ))}
      {children}
    </LiveJobsContext>
  );
}
