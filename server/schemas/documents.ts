import { z } from 'zod';
import { int4Schema, jsonValueSchema, paginationSchema, tagsSchema, textSchema, titleSchema, uuidSchema } from './common';

export const MAX_DOCUMENT_CHARS = 2_000_000;

export const createDocumentSchema = z.object({
  projectId: uuidSchema,
  title: titleSchema(300),
  documentType: titleSchema(50).default('note'),
  content: textSchema(MAX_DOCUMENT_CHARS).default(''),
  tags: tagsSchema.default([]),
  status: titleSchema(50).default('draft'),
  author: titleSchema(100).nullish(),
});

export const updateDocumentSchema = z
  .object({
    id: uuidSchema,
    expectedVersion: int4Schema.optional(),
    title: titleSchema(300).optional(),
    documentType: titleSchema(50).optional(),
    content: textSchema(MAX_DOCUMENT_CHARS).optional(),
    tags: tagsSchema.optional(),
    status: titleSchema(50).optional(),
    author: titleSchema(100).nullable().optional(),
    changeSummary: textSchema(1000).optional(),
  })
  .refine((v) => Object.entries(v).some(([k, val]) => !['id', 'expectedVersion', 'changeSummary', 'author'].includes(k) && val !== undefined), {
    message: 'nothing to update',
  });

export const documentIdSchema = z.object({ id: uuidSchema });

export const listDocumentsSchema = paginationSchema.extend({
  projectId: uuidSchema,
  query: textSchema(200).trim().optional(),
  documentType: titleSchema(50).optional(),
});

/**
 * Versions belong to one document (`documentId`) or to a project's features or
 * data list (`projectId` + `fieldName`).
 */
const versionTarget = z.object({
  documentId: uuidSchema.optional(),
  projectId: uuidSchema.optional(),
  fieldName: z.enum(['features', 'data']).optional(),
});
const requireTarget = (v: z.infer<typeof versionTarget>, ctx: z.RefinementCtx) => {
  const forDocument = v.documentId !== undefined;
  const forField = v.projectId !== undefined && v.fieldName !== undefined;
  if (forDocument === forField) {
    ctx.addIssue({ code: 'custom', message: 'give either documentId, or projectId with fieldName', path: ['documentId'] });
  }
};

export const versionTargetSchema = versionTarget.superRefine(requireTarget);
export const listVersionsSchema = versionTarget.extend(paginationSchema.shape).superRefine(requireTarget);
export const getVersionSchema = versionTarget.extend({ versionNumber: int4Schema }).superRefine(requireTarget);
export const createVersionSchema = versionTarget
  .extend({ changeSummary: textSchema(1000).optional(), createdBy: titleSchema(100).default('User') })
  .superRefine(requireTarget);
export const restoreVersionSchema = versionTarget
  .extend({ versionNumber: int4Schema, restoredBy: titleSchema(100).default('User') })
  .superRefine(requireTarget);

/** A project's features or data list, as the dashboard edits it: read with its version, saved against that version. */
export const fieldTargetSchema = z.object({ projectId: uuidSchema, fieldName: z.enum(['features', 'data']) });
export const saveFieldSchema = fieldTargetSchema.extend({
  content: z.array(jsonValueSchema).max(1000, 'at most 1000 entries'),
  // 0 for a list that has no version yet (a project created with it empty).
  expectedVersion: z.number().int().min(0).max(2_147_483_647).optional(),
  changeSummary: textSchema(1000).optional(),
});

export type CreateDocumentInput = z.infer<typeof createDocumentSchema>;
export type UpdateDocumentInput = z.infer<typeof updateDocumentSchema>;
export type ListDocumentsInput = z.infer<typeof listDocumentsSchema>;
export type VersionTarget = z.infer<typeof versionTargetSchema>;
export type ListVersionsInput = z.infer<typeof listVersionsSchema>;
export type FieldTarget = z.infer<typeof fieldTargetSchema>;
export type SaveFieldInput = z.infer<typeof saveFieldSchema>;
