import { reloadProviders } from '../runtime/runtime';
import { testProviderSchema, updateProviderSettingsSchema } from '../schemas/provider-settings';
import { changeProviderSettings } from '../services/providers/change-provider-settings';
import { effectiveSettings } from '../services/providers/effective-settings';
import { getProviderSettings, resolveProviderSecrets } from '../services/providers/provider-settings';
import { testProviderConnection } from '../services/providers/test-provider';
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
  /**
   * Calls the provider once with the settings as they would be saved, and says what happened
   * (success, or why not: unreachable, the key, the model, the dimension). A mutation, so a key
   * typed into the form travels in a body, never in a URL.
   */
  testProvider: adminProcedure.input(testProviderSchema).mutation(async ({ ctx, input }) => {
    const view = await getProviderSettings(ctx.db, ctx.runtime.secretBox);
    // A stored key that cannot be decrypted is tested as absent, as the runtime uses it.
    const secrets = await resolveProviderSecrets(ctx.db, ctx.runtime.secretBox).catch(() => ({ embedding: null, chat: null }));
    return testProviderConnection(ctx.runtime.baseConfig, { view, secrets }, input);
  }),
  /** The providers in effect and the search, crawl and upload values only the environment sets (read-only, no keys). */
  effective: adminProcedure.query(async ({ ctx }) =>
    effectiveSettings(ctx.runtime.config, ctx.runtime.baseConfig, await getProviderSettings(ctx.db, ctx.runtime.secretBox)),
  ),
});
