import { CHANNELS } from '../realtime/channels';
import { openEventStream } from '../realtime/event-stream';
import { jobIdSchema, listJobsSchema, onJobProgressSchema } from '../schemas/jobs';
import { getJobView, listJobViews } from '../services/jobs/job-views';
import { cancelJob, getJob, jobEventsAfter, latestJobEventId } from '../services/jobs/jobs';
import { readProcedure, router, writeProcedure } from '../trpc/init';
import { runnerInfo } from './system';

export const jobsRouter = router({
  /** Jobs newest first, each with its source's title, who started it and, with an Inngest server, the link to its runs. */
  list: readProcedure.input(listJobsSchema).query(({ ctx, input }) => listJobViews(ctx.db, input, runnerInfo().inngest)),
  get: readProcedure.input(jobIdSchema).query(({ ctx, input }) => getJobView(ctx.db, input.id, runnerInfo().inngest)),
  cancel: writeProcedure.input(jobIdSchema).mutation(({ ctx, input }) => cancelJob(ctx.db, ctx.dispatch, input.id)),

  /**
   * Progress events of one job (from its first event) or of all jobs (from
   * now), resumable with `lastEventId`.
   */
  onProgress: readProcedure.input(onJobProgressSchema).subscription(async ({ ctx, input, signal }) => {
    const { jobId } = input;
    if (jobId) await getJob(ctx.db, jobId);
    return openEventStream({
      pubsub: ctx.pubsub,
      channel: CHANNELS.jobs,
      key: jobId,
      lastEventId: input.lastEventId,
      initialCursor: async () => (jobId ? 0 : latestJobEventId(ctx.db)),
      fetchAfter: (cursor, limit) => jobEventsAfter(ctx.db, jobId, cursor, limit),
      signal,
    });
  }),
});
