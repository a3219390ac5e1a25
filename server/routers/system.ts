import { getHealth } from '../services/system/health';
import { publicProcedure, router } from '../trpc/init';

export const systemRouter = router({
  health: publicProcedure.query(({ ctx }) => getHealth(ctx.runtime.database, ctx.runtime)),
});
