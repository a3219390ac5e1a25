import { resolveRunnerMode } from '../runner/mode';
import { inngestDashboard } from '../services/jobs/inngest-dashboard';
import { getHealth } from '../services/system/health';
import { publicProcedure, readProcedure, router } from '../trpc/init';

/** Which executor runs jobs here, and the Inngest dashboard when it is an Inngest server. */
export const runnerInfo = () => {
  const runner = resolveRunnerMode(process.env);
  return { runner, inngest: inngestDashboard(process.env, runner) };
};

export const systemRouter = router({
  health: publicProcedure.query(({ ctx }) => getHealth(ctx.runtime.database, ctx.runtime)),
  /**
   * What the dashboard needs to know about this server: its version, its clock
   * (so times computed in the browser do not drift with the browser's clock),
   * and which executor runs the jobs, with the Inngest dashboard's address.
   */
  info: readProcedure.query(({ ctx }) => ({ version: ctx.runtime.version, serverTime: new Date(), ...runnerInfo() })),
});
