import { z } from 'zod';
import { KNOWLEDGE_TYPES } from '../../db/schema/knowledge';
import { REFRESH_INTERVALS, tagsSchema, titleSchema } from './common';

export const CRAWL_MODES = ['auto', 'single', 'recursive', 'sitemap', 'llms-txt', 'llms-full', 'text'] as const;

export const crawlUrlSchema = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

const patternsSchema = z.array(z.string().trim().min(1).max(500)).max(50, 'at most 50 patterns').default([]);

/** Crawl options. Defaults follow Archon v1 (depth 2) and docs-mcp-server's controls. */
export const crawlOptionsSchema = z.object({
  mode: z.enum(CRAWL_MODES).default('auto'),
  maxDepth: z.number().int().min(1).max(100).default(2),
  maxPages: z.number().int().min(1).max(100_000).default(1000),
  include: patternsSchema,
  exclude: patternsSchema,
  scope: z.enum(['prefix', 'host', 'domain']).default('prefix'),
  respectRobots: z.boolean().default(true),
  concurrency: z.number().int().min(1).max(32).default(4),
  delayMs: z.number().int().min(0).max(60_000).default(0),
  timeoutMs: z.number().int().min(1_000).max(120_000).default(30_000),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  maxRedirects: z.number().int().min(0).max(20).default(5),
});

export const crawlInputSchema = crawlOptionsSchema.extend({
  url: crawlUrlSchema,
  title: titleSchema(200).optional(),
  /** Left out, an existing source keeps its type and tags; a new one is 'technical' with none. */
  knowledgeType: z.enum(KNOWLEDGE_TYPES).optional(),
  tags: tagsSchema.optional(),
  /** How often the source is re-crawled; left out, an existing source keeps its schedule and a new one has none. */
  refreshInterval: z.enum(REFRESH_INTERVALS).optional(),
});

export type CrawlOptions = z.infer<typeof crawlOptionsSchema>;
export type CrawlInput = z.infer<typeof crawlInputSchema>;
