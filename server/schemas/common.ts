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

/**
 * A date PostgreSQL can be given: JavaScript holds years past 9999 (and before 1), whose ISO form (+010000-…) the
 * database refuses, which used to surface as an Internal server error.
 */
export const storableDate = <T extends z.ZodDate | z.ZodCoercedDate>(schema: T): T =>
  (schema as z.ZodDate)
    .min(new Date('0001-01-01T00:00:00.000Z'), 'must be in the years 1 to 9999')
    .max(new Date('9999-12-31T23:59:59.999Z'), 'must be in the years 1 to 9999') as T;

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

/** Ids of knowledge sources: 16 hex digits for crawled sites, longer for uploads. */
export const sourceIdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be a source id');

/** Positive integers that fit the database's int4 columns (version numbers and the like). */
export const int4Schema = z.number().int().positive().max(2_147_483_647);

/**
 * Whether a value is not plain JSON Postgres can store: superjson brings a tRPC caller's bigints (which fail to
 * serialise), Maps, Sets, Dates and non-finite numbers (which JSON would silently turn into `{}`, strings or null),
 * and strings or keys with NUL or a lone surrogate. An object member left undefined is fine: JSON leaves it out, as a missing one.
 */
// A lone UTF-16 surrogate: JSON text cannot carry one, and PostgreSQL refuses the document it is in.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const badText = (s: string) => s.includes('\0') || LONE_SURROGATE.test(s);

const notJson = (v: unknown, depth = 0): boolean => {
  if (depth > 64) return true;
  if (v === null || typeof v === 'boolean') return false;
  if (typeof v === 'string') return badText(v);
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some((x) => notJson(x, depth + 1));
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return true;
    return Object.entries(v).some(([k, x]) => badText(k) || (x !== undefined && notJson(x, depth + 1)));
  }
  return true;
};

/** Any JSON value Postgres can store: no NUL characters in strings or keys, at most 64 levels deep. */
export const jsonValueSchema = z
  .unknown()
  .refine(
    (v) => !notJson(v),
    'must be JSON (null, booleans, finite numbers, strings, lists, plain objects) without NUL characters or lone surrogates, at most 64 levels deep',
  );

export const tagsSchema = z
  .array(titleSchema(64))
  .max(50, 'at most 50 tags')
  .transform((tags) => [...new Set(tags)]);

export type Pagination = z.infer<typeof paginationSchema>;
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };
export const REFRESH_INTERVALS = ['off', 'hourly', 'daily', 'weekly', 'monthly'] as const;
export type RefreshInterval = (typeof REFRESH_INTERVALS)[number];
