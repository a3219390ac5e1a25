import { Middleware } from 'inngest';
import type { Database } from '../db/types';
import { failureReason } from '../server/errors';
import { type Logger, withLogContext } from '../server/logger';
import { jobIdOf } from '../server/runner/local-runner';
import { settledRuntime } from '../server/runtime/global';
import type { Dispatch } from '../server/schemas/job-events';
import type { IngestDeps } from '../server/services/ingest/ingest-deps';
import { setJobStatus } from '../server/services/jobs/job-progress';
import { sendEventsWith } from './send-events';

/** What job functions take from the process: `services` in every function's context. */
export type JobServices = { readonly db: Database; readonly ingest: IngestDeps; readonly dispatch: Dispatch; readonly logger: Logger };

// Each is read when a step uses it: a provider reload replaces `ingest`, and a
// function's control flow runs in unit tests with no runtime at all.
const servicesOf = (dispatch: Dispatch): JobServices => ({
  get db() {
    return settledRuntime().database.db;
  },
  get ingest() {
    return settledRuntime().ingest;
  },
  dispatch,
  get logger() {
    return settledRuntime().logger;
  },
});

/**
 * Hands every function the process's services (Inngest's dependency
 * injection). The hook returns synchronously so that the SDK can infer the
 * context's type; the serve route and the local runner start the runtime first.
 */
export class ServicesMiddleware extends Middleware.BaseMiddleware {
  readonly id = 'archon:services';
  // Events go out through the client this middleware serves.
  private readonly services = servicesOf(sendEventsWith(this.client));

  override transformFunctionInput(arg: Middleware.TransformFunctionInputArgs) {
    return { ...arg, ctx: { ...arg.ctx, services: this.services } };
  }

  // Whichever executor calls, every line a function or its steps log names the run and its job.
  override wrapFunctionHandler({ ctx, fn, next }: Middleware.WrapFunctionHandlerArgs) {
    return withLogContext(runLogContext(ctx, fn.id(this.client.id)), () => next());
  }

  override wrapStepHandler({ ctx, fn, next }: Middleware.WrapStepHandlerArgs) {
    return withLogContext(runLogContext(ctx, fn.id(this.client.id)), () => next());
  }
}

/** The run's fields in log lines; the function as the Inngest server and the local runner know it (`archon-<id>`). */
function runLogContext(ctx: { runId?: string; event?: unknown }, functionId: string) {
  return { runId: ctx.runId, function: functionId, jobId: jobIdOf((ctx.event ?? {}) as Record<string, unknown>) };
}

type FailureArgs = {
  event: { data: { event: { data: { jobId: string } } } };
  error: Error;
  step: { run<T>(id: string, fn: () => Promise<T>): Promise<unknown> };
  services: JobServices;
};

/** The `onFailure` of a function whose giving up ends its job: the job is marked failed with the error. */
export const failJob = async ({ event, error, step, services }: FailureArgs) => {
  await step.run('mark-job-failed', () => setJobStatus(services.db, event.data.event.data.jobId, 'failed', failureReason(error)));
};
