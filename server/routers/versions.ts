import { createVersionSchema, getVersionSchema, listVersionsSchema, restoreVersionSchema } from '../schemas/documents';
import { createVersion, restoreVersion } from '../services/projects/version-actions';
import { getVersion, listVersions } from '../services/projects/versions';
import { readProcedure, router, writeProcedure } from '../trpc/init';

/** History of project documents and of project features/data. */
export const versionsRouter = router({
  list: readProcedure.input(listVersionsSchema).query(({ ctx, input }) => listVersions(ctx.db, input)),
  get: readProcedure.input(getVersionSchema).query(({ ctx, input }) => getVersion(ctx.db, input)),
  create: writeProcedure.input(createVersionSchema).mutation(({ ctx, input }) => createVersion(ctx.db, input)),
  restore: writeProcedure.input(restoreVersionSchema).mutation(({ ctx, input }) => restoreVersion(ctx.db, input)),
});
