import { createDocumentSchema, documentIdSchema, listDocumentsSchema, updateDocumentSchema } from '../schemas/documents';
import * as documents from '../services/projects/project-documents';
import { readProcedure, router, writeProcedure } from '../trpc/init';

export const documentsRouter = router({
  list: readProcedure.input(listDocumentsSchema).query(({ ctx, input }) => documents.listDocuments(ctx.db, input)),
  byId: readProcedure.input(documentIdSchema).query(({ ctx, input }) => documents.getDocument(ctx.db, input.id)),
  create: writeProcedure.input(createDocumentSchema).mutation(({ ctx, input }) => documents.createDocument(ctx.db, input)),
  update: writeProcedure.input(updateDocumentSchema).mutation(({ ctx, input }) => documents.updateDocument(ctx.db, input)),
  delete: writeProcedure.input(documentIdSchema).mutation(({ ctx, input }) => documents.deleteDocument(ctx.db, input.id)),
});
