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

/** What the tools' results declare of a job; the result carries its counters too (JobSummary). */
const LAST_NOTIFICATION_GAP_MS = 50;

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

/** The result of a tool that started a job: the job, whether the call waited for it, and what to do next. */
export const startedJobSchema = z.object({ job: jobSummarySchema, waited: z.boolean(), note: z.string() });

/**
 * Waits for a job the tool started, when the client asked for progress (it
 * sent a progressToken) or the call said `wait: true`, sending a progress
 * notification whenever the job advances. A cancelled call stops waiting; the
 * job goes on, unless the call said `wait: true` (then the job was the point
 * of the call, and it is cancelled too). Without waiting the job is returned
 * at once, to be followed with get_job.
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
  let state = jobProgressOf(job);
  try {
    for await (const next of ctx.backend.watchJob(job.id, signal)) {
      state = next;
      if (token === undefined) continue;
      const p = progressOf(next);
      if (p.progress <= last) continue;
      last = p.progress;
      await ctx.extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...p } }).catch(() => {});
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  // The SDK's client handles a notification a tick after the message it arrived with, and forgets the progress
  // token on the response: read together, the last notification would be dropped. Apart, it arrives first.
  if (last >= 0 && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, LAST_NOTIFICATION_GAP_MS));
  if (signal.aborted && wait === true && !isFinished(state.status)) {
    // The client gave up on a call that was the job; stopping the job is what it asked for.
    await ctx.backend.cancelJob({ id: job.id }).catch(() => {});
  }
  const final = await ctx.backend.getJob({ id: job.id });
  const summary = jobSummary(final);
  const note = signal.aborted
    ? wait === true
      ? 'The call was cancelled, and so was the job.'
      : 'The call was cancelled; the job goes on in the background (get_job follows it).'
    : 'The job has ended.';
  return { data: { job: summary, waited: true, note }, text: `${describeJob(summary)}\n${note}` };
}
