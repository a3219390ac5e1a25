import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Job } from '../services/jobs/jobs';
import { isFinished, type JobProgress, jobProgressOf } from './backend';
import type { ToolContext, ToolOutput } from './tool';
import { toJson } from './tool';

/**
 * Progress of a job as MCP progress notifications. `progress` counts pages
 * done (fetched, skipped or failed) plus chunks stored, plus one for the
 * job's end; `total` estimates the same at the end (pages found so far, and
 * chunks extrapolated from the pages done), so it grows while a crawl
 * discovers pages. Progress rises with every notification, as the spec
 * requires, and the last one has progress = total.
 */
export function progressOf(job: JobProgress): { progress: number; total: number; message: string } {
  const pagesDone = job.pagesFetched + job.pagesSkipped + job.pagesFailed;
  const pages = Math.max(job.pagesDiscovered, pagesDone);
  const finished = isFinished(job.status);
  const progress = pagesDone + job.chunksStored + (finished ? 1 : 0);
  const chunks = pagesDone > 0 ? Math.max(job.chunksStored, Math.round((job.chunksStored * pages) / pagesDone)) : job.chunksStored;
  const total = finished ? progress : pages + chunks + 1;
  const failed = job.pagesFailed ? `, ${job.pagesFailed} failed` : '';
  const counts = `${pagesDone}/${pages} pages${failed}, ${job.chunksStored} chunks`;
  const message = finished
    ? `${job.status}: ${counts}${job.error ? ` (${job.error})` : ''}`
    : `${job.status}: ${counts}${job.message ? ` – ${job.message}` : ''}`;
  return { progress, total, message };
}

/** How long the result waits for the client to answer the ping that follows the last notification. */
const LAST_NOTIFICATION_PING_MS = 1_000;
/**
 * A call waiting for a job sends progress at least this often, even while the
 * job is quiet (a slow page, a long embedding batch), so a client that resets
 * its request timeout on progress (the SDK's `resetTimeoutOnProgress`) keeps
 * waiting; the SDK's default timeout is 60 s.
 */
export const PROGRESS_HEARTBEAT_MS = 15_000;

/**
 * Whether a cancellation only says that the client's own request timeout ran
 * out: the SDK's client then sends "McpError: MCP error -32001: Request timed
 * out". The client gave up waiting, not on the job.
 */
export const isTimeoutReason = (reason: unknown) => /\btimed out\b|\btime-?out\b/i.test(String(reason ?? ''));

/** What the tools' results declare of a job; the result carries its counters too (JobSummary). */
export const jobSummarySchema = z.looseObject({ id: z.string(), status: z.string(), sourceId: z.string().nullable() });

export type JobSummary = {
  id: string;
  kind: string;
  status: string;
  sourceId: string | null;
  pagesDiscovered: number;
  pagesFetched: number;
  pagesSkipped: number;
  pagesFailed: number;
  chunksStored: number;
  embeddingsFailed: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export const jobSummary = (job: Job): JobSummary =>
  toJson({
    id: job.id,
    kind: job.kind,
    status: job.status,
    sourceId: job.sourceId,
    pagesDiscovered: job.pagesDiscovered,
    pagesFetched: job.pagesFetched,
    pagesSkipped: job.pagesSkipped,
    pagesFailed: job.pagesFailed,
    chunksStored: job.chunksStored,
    embeddingsFailed: job.embeddingsFailed,
    error: job.error,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  });

export const describeJob = (job: JobSummary) => {
  const { message } = progressOf({ ...job, embeddingsDone: 0, status: job.status as JobProgress['status'] });
  return `Job ${job.id} (${job.kind}, source ${job.sourceId ?? 'none'}) ${message}`;
};

/**
 * Resolves once a stdio client has handled every notification sent before.
 * The SDK's client handles a notification a tick after the message it arrived
 * with and forgets the progress token on the response, so over stdio a last
 * notification read in one chunk with the result is dropped. A client answers
 * a ping only after the messages before it, so its answer orders them; no
 * fixed gap does on a loaded machine. A client that does not answer costs at
 * most LAST_NOTIFICATION_PING_MS.
 *
 * Not over HTTP: there the client reads each event of the stream in a turn of
 * its own, after the notification's handler, and its answer to a ping could
 * reach another of the server's processes, which would drop it.
 */
async function clientHasRead(ctx: ToolContext) {
  if (ctx.session.transport !== 'stdio') return;
  await ctx.extra
    .sendRequest?.({ method: 'ping' }, EmptyResultSchema, { timeout: LAST_NOTIFICATION_PING_MS, signal: ctx.extra.signal })
    .catch(() => {});
}

/** The result of a tool that started a job: the job, whether the call waited for it, and what to do next. */
export const startedJobSchema = z.object({ job: jobSummarySchema, waited: z.boolean(), note: z.string() });

/**
 * Waits for a job the tool started, when the client asked for progress (it
 * sent a progressToken) or the call said `wait: true`, sending a progress
 * notification whenever the job advances, and at least every
 * PROGRESS_HEARTBEAT_MS (a fraction above the last value, so progress still
 * rises). A cancelled call stops waiting; the job goes on, unless the call said
 * `wait: true` and the client cancelled it on purpose (then the job was the
 * point of the call, and it is cancelled too). A cancellation that only says
 * the client's request timed out leaves the job running: a client's timeout
 * (60 s by default in the SDK) would otherwise end every longer crawl. Without
 * waiting the job is returned at once, to be followed with get_job.
 */
export async function followJob(ctx: ToolContext, job: Job, wait: boolean | undefined): Promise<ToolOutput<z.input<typeof startedJobSchema>>> {
  const token = ctx.extra._meta?.progressToken;
  const waiting = wait ?? token !== undefined;
  if (!waiting || isFinished(job.status)) {
    const summary = jobSummary(job);
    const note = isFinished(job.status) ? 'The job has ended.' : 'The job runs in the background: follow it with get_job, stop it with cancel_job.';
    return { data: { job: summary, waited: false, note }, text: `${describeJob(summary)}\n${note}` };
  }
  const { signal } = ctx.extra;
  let last = -1;
  let quiet = 0;
  let state = jobProgressOf(job);
  const send = (p: { progress: number; total: number; message: string }) => {
    last = p.progress;
    ctx.extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token!, ...p } }).catch(() => {});
  };
  let sentAt = Date.now();
  const heartbeatMs = ctx.progressHeartbeatMs ?? PROGRESS_HEARTBEAT_MS;
  const heartbeat =
    token === undefined
      ? undefined
      : setInterval(
          () => {
            if (Date.now() - sentAt < heartbeatMs) return;
            const p = progressOf(state);
            // Between the last value and the next whole one, which the next real progress reaches.
            const base = Math.max(Math.floor(last), p.progress);
            quiet += 1;
            send({ ...p, progress: base + quiet / (quiet + 1), total: Math.max(p.total, base + 1) });
            sentAt = Date.now();
          },
          Math.min(heartbeatMs, 1_000),
        );
  heartbeat?.unref();
  try {
    for await (const next of ctx.backend.watchJob(job.id, signal)) {
      state = next;
      if (token === undefined) continue;
      const p = progressOf(next);
      if (p.progress <= last) continue;
      quiet = 0;
      sentAt = Date.now();
      send(p);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    clearInterval(heartbeat);
  }
  if (last >= 0 && !signal.aborted) await clientHasRead(ctx);
  const timedOut = signal.aborted && isTimeoutReason(signal.reason);
  if (signal.aborted && wait === true && !timedOut && !isFinished(state.status)) {
    // The client gave up on a call that was the job; stopping the job is what it asked for.
    await ctx.backend.cancelJob({ id: job.id }).catch(() => {});
  }
  const final = await ctx.backend.getJob({ id: job.id });
  const summary = jobSummary(final);
  const note = !signal.aborted
    ? 'The job has ended.'
    : wait === true && !timedOut
      ? 'The call was cancelled, and so was the job.'
      : 'The call was cancelled; the job goes on in the background (get_job follows it, cancel_job stops it).';
  return { data: { job: summary, waited: true, note }, text: `${describeJob(summary)}\n${note}` };
}
