import { reloadProviders } from '../runtime/runtime';
import { updateProviderSettingsSchema } from '../schemas/provider-settings';
import { changeProviderSettings } from '../services/providers/change-provider-settings';
import { getProviderSettings } from '../services/providers/provider-settings';
import { adminProcedure, router } from '../trpc/init';

/** Provider settings: admins only. Keys are write-only; reads show them masked. */
export const settingsRouter = router({
  providers: adminProcedure.query(({ ctx }) => getProviderSettings(ctx.db, ctx.runtime.secretBox)),
  updateProviders: adminProcedure.input(updateProviderSettingsSchema).mutation(({ ctx, input }) =>
    changeProviderSettings(
      {
        db: ctx.db,
        box: ctx.runtime.secretBox,
        dispatch: ctx.dispatch,
        reload: async () => {
          await reloadProviders(ctx.runtime);
          return ctx.runtime.ingest.embedder;
        },
      },
      ctx.actor,
      input,
    ),
  ),
});
