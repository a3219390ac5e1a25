import { z } from 'zod';
import { KNOWLEDGE_TYPES } from '../../db/schema/knowledge';
import { paginationSchema, sourceIdSchema, titleSchema, uuidSchema } from './common';
import { trimmedTextSchema } from './sources';

export const MAX_QUERY_CHARS = 2000;

const querySchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_QUERY_CHARS, `must be at most ${MAX_QUERY_CHARS} characters`)
  .refine((q) => !q.includes('\0'), 'must not contain NUL characters');

const filtersSchema = {
  sourceIds: z.array(sourceIdSchema).min(1).max(100).optional(),
  tags: z.array(titleSchema(64)).min(1).max(50).optional(),
  knowledgeType: z.enum(KNOWLEDGE_TYPES).optional(),
};

export const SEARCH_MODES = ['hybrid', 'vector', 'fulltext'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Reciprocal Rank Fusion: score = Σ weight / (k + rank) over the vector and full-text lists. */
export const fusionSchema = z
  .object({
    k: z.number().int().min(1).max(1000).optional(),
    vectorWeight: z.number().min(0).max(10).optional(),
    textWeight: z.number().min(0).max(10).optional(),
  })
  .optional();

export const searchInputSchema = z.object({
  query: querySchema,
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  limit: z.number().int().min(1).max(50).default(5),
  returnMode: z.enum(['chunks', 'pages']).default('chunks'),
  /** Neighbouring chunks merged on each side of a hit, 0 for none. */
  expandContext: z.number().int().min(0).max(5).default(0),
  fusion: fusionSchema,
  rerank: z.boolean().optional(),
  /** Also return `terms`, the words of the results that full-text search matched, for highlighting them. */
  highlight: z.boolean().optional(),
  ...filtersSchema,
});

export const searchCodeInputSchema = z.object({
  query: querySchema,
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  limit: z.number().int().min(1).max(50).default(5),
  language: titleSchema(40).optional(),
  fusion: fusionSchema,
  /** Also return `terms`, the words of the results that full-text search matched, for highlighting them. */
  highlight: z.boolean().optional(),
  ...filtersSchema,
});

export const listPagesSchema = paginationSchema.extend({
  sourceId: sourceIdSchema,
  query: trimmedTextSchema(200).optional(),
});

export const MAX_PAGE_CHARS = 20_000;
export const readPageSchema = z
  .object({
    pageId: uuidSchema.optional(),
    url: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
      .optional(),
    /** With `url`: the source to read it from, when several sources hold the same URL. */
    sourceId: sourceIdSchema.optional(),
    /** Character offset to read from, for pages longer than the cap. */
    offset: z.number().int().min(0).max(100_000_000).default(0),
    maxChars: z.number().int().min(100).max(200_000).default(MAX_PAGE_CHARS),
  })
  .refine((v) => (v.pageId === undefined) !== (v.url === undefined), { message: 'give either pageId or url', path: ['pageId'] })
  .refine((v) => v.sourceId === undefined || v.url !== undefined, {
    message: 'sourceId goes with url (a pageId is already unique)',
    path: ['sourceId'],
  });

export type SearchInput = z.infer<typeof searchInputSchema>;
export type SearchCodeInput = z.infer<typeof searchCodeInputSchema>;
export type Fusion = { k: number; vectorWeight: number; textWeight: number };
export type SearchFilters = Pick<SearchInput, 'sourceIds' | 'tags' | 'knowledgeType'>;
