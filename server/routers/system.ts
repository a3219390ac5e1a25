import { getHealth } from '../services/health';
import { publicProcedure, router } from '../trpc/init';

export const systemRouter = router({
  health: publicProcedure.query(({ ctx }) => getHealth(ctx.runtime.database, ctx.runtime)),
});
