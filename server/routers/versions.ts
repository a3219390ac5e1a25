import {
  createVersionSchema,
  fieldTargetSchema,
  getVersionSchema,
  listVersionsSchema,
  restoreVersionSchema,
  saveFieldSchema,
} from '../schemas/documents';
import { createVersion, restoreVersion } from '../services/projects/version-actions';
import { authorOf, getField, getVersion, listVersions, saveField } from '../services/projects/versions';
import { readProcedure, router, writeProcedure } from '../trpc/init';

/**
 * History of project documents and of project features/data. A signed-in
 * caller is recorded as the author of the versions it makes; only in-process
 * callers (the system) name one themselves (`createdBy`, `restoredBy`).
 */
export const versionsRouter = router({
  list: readProcedure.input(listVersionsSchema).query(({ ctx, input }) => listVersions(ctx.db, input)),
  get: readProcedure.input(getVersionSchema).query(({ ctx, input }) => getVersion(ctx.db, input)),
  create: writeProcedure.input(createVersionSchema).mutation(async ({ ctx, input }) => {
    const author = await authorOf(ctx.db, ctx.actor.principal);
    return createVersion(ctx.db, { ...input, createdBy: author ?? input.createdBy });
  }),
  restore: writeProcedure.input(restoreVersionSchema).mutation(async ({ ctx, input }) => {
    const author = await authorOf(ctx.db, ctx.actor.principal);
    return restoreVersion(ctx.db, { ...input, restoredBy: author ?? input.restoredBy });
  }),
  /** A project's features or data list with its version, for editing. */
  field: readProcedure.input(fieldTargetSchema).query(({ ctx, input }) => getField(ctx.db, input)),
  /** Saves a features or data list as a new version; a stale `expectedVersion` is a CONFLICT. */
  saveField: writeProcedure
    .input(saveFieldSchema)
    .mutation(async ({ ctx, input }) => saveField(ctx.db, { ...input, savedBy: await authorOf(ctx.db, ctx.actor.principal) })),
});
