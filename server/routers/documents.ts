import { createDocumentSchema, documentIdSchema, listDocumentsSchema, updateDocumentSchema } from '../schemas/documents';
import * as documents from '../services/projects/project-documents';
import { authorOf } from '../services/projects/versions';
import { readProcedure, router, writeProcedure } from '../trpc/init';

// Versions record the signed-in person as their author (an API key acts as its user), not a name the caller types.
export const documentsRouter = router({
  list: readProcedure.input(listDocumentsSchema).query(({ ctx, input }) => documents.listDocuments(ctx.db, input)),
  byId: readProcedure.input(documentIdSchema).query(({ ctx, input }) => documents.getDocument(ctx.db, input.id)),
  create: writeProcedure
    .input(createDocumentSchema)
    .mutation(async ({ ctx, input }) => documents.createDocument(ctx.db, input, await authorOf(ctx.db, ctx.actor.principal))),
  update: writeProcedure
    .input(updateDocumentSchema)
    .mutation(async ({ ctx, input }) => documents.updateDocument(ctx.db, input, await authorOf(ctx.db, ctx.actor.principal))),
  delete: writeProcedure.input(documentIdSchema).mutation(({ ctx, input }) => documents.deleteDocument(ctx.db, input.id)),
});
