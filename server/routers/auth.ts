import { createApiKeySchema, listApiKeysSchema, revokeApiKeySchema } from '../schemas/auth';
import { needsSetup } from '../services/auth/accounts';
import { createOwnKey, listKeys, revokeKey } from '../services/auth/manage-keys';
import { accountProcedure, publicProcedure, router, signedInProcedure } from '../trpc/init';

const whoAmI = (p: { kind: string; userId: string | null; email: string | null; role: string; capabilities: string[] }) => ({
  kind: p.kind,
  userId: p.userId,
  email: p.email,
  role: p.role,
  capabilities: p.capabilities,
});

export const authRouter = router({
  /** Whether the owner still has to be created, and who is calling (null when nobody is signed in). */
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await needsSetup(ctx.db),
    principal: ctx.actor.principal ? whoAmI(ctx.actor.principal) : null,
  })),
  me: signedInProcedure.query(({ ctx }) => whoAmI(ctx.actor.principal)),
  apiKeys: router({
    list: accountProcedure.input(listApiKeysSchema).query(({ ctx, input }) => listKeys(ctx.db, ctx.actor.principal, input.allUsers)),
    /** Returns the key once; only its prefix is ever shown again. */
    create: accountProcedure.input(createApiKeySchema).mutation(({ ctx, input }) => createOwnKey(ctx.db, ctx.actor, input)),
    revoke: accountProcedure.input(revokeApiKeySchema).mutation(({ ctx, input }) => revokeKey(ctx.db, ctx.actor, input.id)),
  }),
});
