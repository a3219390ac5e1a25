import { z } from 'zod';
import { jsonValueSchema, paginationSchema, sourceIdSchema, textSchema, titleSchema, uuidSchema } from './common';

const GITHUB_REPO = /^https:\/\/github\.com\/[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

/** Accepts `owner/repo` or a github.com URL and stores the canonical https URL. */
export const githubRepoSchema = z
  .string()
  .trim()
  .transform((value) => {
    const short = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/.exec(value);
    const url = short ? `https://github.com/${short[1]}/${short[2]}` : value;
    return url
      .replace(/^http:\/\//, 'https://')
      .replace(/^https:\/\/www\./, 'https://')
      .replace(/(\.git)?\/?$/, '');
  })
  .refine((url) => GITHUB_REPO.test(url), 'must be a GitHub repository URL or owner/repo');

const jsonList = z.array(jsonValueSchema).max(1000, 'at most 1000 entries');

export const createProjectSchema = z.object({
  title: titleSchema(200),
  description: textSchema(50_000).default(''),
  githubRepo: githubRepoSchema.nullish(),
  pinned: z.boolean().default(false),
  features: jsonList.default([]),
  data: jsonList.default([]),
});

export const updateProjectSchema = z
  .object({
    id: uuidSchema,
    title: titleSchema(200).optional(),
    description: textSchema(50_000).optional(),
    githubRepo: githubRepoSchema.nullable().optional(),
    pinned: z.boolean().optional(),
    features: jsonList.optional(),
    data: jsonList.optional(),
  })
  .refine((v) => Object.keys(v).some((k) => k !== 'id' && v[k as keyof typeof v] !== undefined), {
    message: 'nothing to update',
  });

export const projectIdSchema = z.object({ id: uuidSchema });

export const listProjectsSchema = paginationSchema
  .extend({
    query: textSchema(200).trim().optional(),
  })
  .prefault({});

export const linkSourceSchema = z.object({
  projectId: uuidSchema,
  sourceId: sourceIdSchema,
  linkType: z.enum(['technical', 'business']).default('technical'),
});
export const unlinkSourceSchema = linkSourceSchema.pick({ projectId: true, sourceId: true });

export type CreateProjectInput = z.infer<typeof createProjectSchema>;
export type UpdateProjectInput = z.infer<typeof updateProjectSchema>;
export type ListProjectsInput = z.infer<typeof listProjectsSchema>;
export type LinkSourceInput = z.infer<typeof linkSourceSchema>;
