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
    principal: ctx.principal ? whoAmI(ctx.principal) : null,
  })),
  me: signedInProcedure.query(({ ctx }) => whoAmI(ctx.principal!)),
  apiKeys: router({
    list: accountProcedure.input(listApiKeysSchema).query(({ ctx, input }) => listKeys(ctx.db, ctx.principal!, input.allUsers)),
    /** Returns the key once; only its prefix is ever shown again. */
    create: accountProcedure.input(createApiKeySchema).mutation(({ ctx, input }) => createOwnKey(ctx.db, { principal: ctx.principal!, ip: ctx.ip }, input)),
    revoke: accountProcedure.input(revokeApiKeySchema).mutation(({ ctx, input }) => revokeKey(ctx.db, { principal: ctx.principal!, ip: ctx.ip }, input.id)),
  }),
});
