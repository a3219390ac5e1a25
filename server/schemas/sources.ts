import { z } from 'zod';
import { KNOWLEDGE_TYPES, SOURCE_KINDS } from '../../db/schema/knowledge';
import { paginationSchema, REFRESH_INTERVALS, sourceIdSchema, tagsSchema, textSchema, titleSchema, uuidSchema } from './common';

export { REFRESH_INTERVALS, type RefreshInterval } from './common';

/**
 * Free text trimmed before it is measured: a summary of 2,000 characters pasted with a trailing line break was refused as
 * over 2,000, though what is stored is the trimmed text.
 */
export const trimmedTextSchema = (max: number) => z.string().trim().pipe(textSchema(max));

export const SOURCE_SORTS = ['title', 'pages', 'chunks', 'codeExamples', 'lastCrawled', 'created'] as const;
export type SourceSort = (typeof SOURCE_SORTS)[number];

export const listSourcesSchema = paginationSchema
  .extend({
    query: trimmedTextSchema(200).optional(),
    knowledgeType: z.enum(KNOWLEDGE_TYPES).optional(),
    kind: z.enum(SOURCE_KINDS).optional(),
    /** Sources with any of these tags, as in search filters. */
    tags: z.array(titleSchema(64)).min(1).max(50).optional(),
    /** The order across pages; left out, by title. Ties go by title, then id, so paging is stable. */
    sort: z.enum(SOURCE_SORTS).optional(),
    /** Left out: ascending for the title, descending (largest, newest first) for the others. */
    direction: z.enum(['asc', 'desc']).optional(),
  })
  .prefault({});

export const sourceIdInputSchema = z.object({ id: sourceIdSchema });

export const updateSourceSchema = z
  .object({
    id: sourceIdSchema,
    title: titleSchema(200).optional(),
    tags: tagsSchema.optional(),
    knowledgeType: z.enum(KNOWLEDGE_TYPES).optional(),
    /** Trimmed: one of only spaces is empty, which hands the summary back to the next crawl or upload. */
    summary: trimmedTextSchema(2000).optional(),
    refreshInterval: z.enum(REFRESH_INTERVALS).optional(),
  })
  .refine((v) => Object.entries(v).some(([k, val]) => k !== 'id' && val !== undefined), { message: 'nothing to update' });

export const listChunksSchema = paginationSchema
  .extend({ sourceId: sourceIdSchema.optional(), pageId: uuidSchema.optional() })
  .refine((v) => (v.sourceId === undefined) !== (v.pageId === undefined), { message: 'give either sourceId or pageId', path: ['sourceId'] });

/** What the dashboard shows next to each listed source: embedding state and jobs. */
export const sourceStatusesSchema = z.object({ ids: z.array(sourceIdSchema).min(1, 'must hold at least one id').max(200, 'at most 200 ids') });

export const listCodeExamplesSchema = paginationSchema.extend({
  sourceId: sourceIdSchema,
  /** Matches the name, summary or code. */
  query: trimmedTextSchema(200).optional(),
  language: titleSchema(40).optional(),
});

/** The files of an upload job, each with its own outcome. */
export const uploadFilesSchema = z.object({ jobId: uuidSchema });

export type ListSourcesInput = z.infer<typeof listSourcesSchema>;
export type UpdateSourceInput = z.infer<typeof updateSourceSchema>;
export type ListChunksInput = z.infer<typeof listChunksSchema>;
export type ListCodeExamplesInput = z.infer<typeof listCodeExamplesSchema>;
