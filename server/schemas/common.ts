import { z } from 'zod';

export const uuidSchema = z.uuid({ message: 'must be a UUID' });

export const paginationSchema = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});

/** A tRPC `lastEventId`: the id of the last event the client saw. */
export const lastEventIdSchema = z
  .string()
  .regex(/^\d{1,18}$/, 'must be an event id')
  .nullish();

/** Trimmed, non-empty, single-line text such as a title. */
export const titleSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\r\n\0]/.test(s), 'must be a single line');

/** Free text; NUL bytes are refused because Postgres cannot store them. */
export const textSchema = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\0'), 'must not contain NUL characters');

export const tagsSchema = z
  .array(titleSchema(64))
  .max(50, 'at most 50 tags')
  .transform((tags) => [...new Set(tags)]);

export type Pagination = z.infer<typeof paginationSchema>;
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };
