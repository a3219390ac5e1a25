import { and, eq } from 'drizzle-orm';
import { jobEvents } from '../../db/schema';
import type { Database } from '../../db/types';
import { createCaller } from '../../server/routers/_app';
import { createContextInner } from '../../server/trpc/context';
import type { TestRuntime } from './runtime';

export type JobEvent = {
  id: number;
  jobId: string;
  kind: 'status' | 'progress' | 'log';
  payload: Record<string, any>;
  createdAt: Date;
};

export const COUNTERS = [
  'pagesDiscovered',
  'pagesFetched',
  'pagesSkipped',
  'pagesFailed',
  'chunksStored',
  'embeddingsDone',
  'embeddingsFailed',
] as const;

export const counters = (o: Record<string, any>) => Object.fromEntries(COUNTERS.map((k) => [k, o[k]]));
export const isTerminalEvent = (e: JobEvent) => e.kind === 'status' && ['completed', 'failed', 'cancelled'].includes(e.payload.status);

/**
 * A `jobs.onProgress` subscription through a tRPC caller, with a deadline on
 * every read and closed by aborting the caller's signal. `ready` settles when
 * the subscription is set up (and rejects as the procedure does, e.g. NOT_FOUND).
 */
export function openJobStream(rt: TestRuntime, input: { jobId?: string; lastEventId?: string }) {
  const controller = new AbortController();
  const caller = createCaller(createContextInner({ runtime: rt }), { signal: controller.signal });
  const ready = caller.jobs.onProgress(input);
  const iterator = ready.then((it) => it[Symbol.asyncIterator]());
  iterator.catch(() => {});
  let pending: Promise<IteratorResult<unknown>> | null = null;

  async function next(timeoutMs: number): Promise<JobEvent | 'timeout' | 'done'> {
    pending ??= iterator.then((it) => it.next());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const res = await Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
    if (res === 'timeout') return res;
    pending = null;
    if (res.done) return 'done';
    // tracked() events arrive from a caller as [id, data] tuples; accept {id, data} too.
    const value = res.value as [string, JobEvent] | { id: string; data: JobEvent };
    const [id, data] = Array.isArray(value) ? value : [value.id, value.data];
    if (String(data.id) !== id) throw new Error(`tracked id ${id} does not match event id ${data.id}`);
    return data;
  }

  return {
    ready,
    next,
    /** Reads events until `stop` accepts one (included), failing after `timeoutMs`. */
    async until(stop: (e: JobEvent) => boolean, timeoutMs = 20_000): Promise<JobEvent[]> {
      const out: JobEvent[] = [];
      const end = Date.now() + timeoutMs;
      for (;;) {
        const e = await next(Math.max(1, end - Date.now()));
        if (e === 'timeout') throw new Error(`stream: no stopping event after ${out.length} events in ${timeoutMs} ms`);
        if (e === 'done') throw new Error(`stream ended after ${out.length} events`);
        out.push(e);
        if (stop(e)) return out;
      }
    },
    /** Resolves with whatever arrives within `ms`: 'timeout' when nothing did. */
    async quiet(ms: number) {
      return next(ms);
    },
    async close() {
      controller.abort();
      await pending?.catch(() => {});
      await (await iterator.catch(() => null))?.return?.(undefined);
    },
  };
}

export type JobStream = ReturnType<typeof openJobStream>;

/** A job's log lines as one JSON text, for matching what a job said. */
export const jobLogText = async (db: Database, jobId: string) =>
  JSON.stringify(
    (
      await db
        .select()
        .from(jobEvents)
        .where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.kind, 'log')))
    ).map((e) => e.payload),
  );
