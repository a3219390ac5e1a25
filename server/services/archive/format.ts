/**
 * The portable archive of one knowledge source ("archon-source", version 1).
 *
 * A gzip-compressed NDJSON stream: one JSON object per line, in this order.
 *
 *   1. Header: `{ "format": "archon-source", "version": 1, "exportedAt": ISO-8601,
 *      "archon": <exporting app version>, "embedding": { "model", "dimensions" } | null }`.
 *      `embedding` names the model of every vector in the archive; null means none.
 *   2. One `{ "type": "source", … }` line: id, kind, url, title, titleEdited, summary, summaryEdited,
 *      knowledgeType, tags, crawlOptions, refreshInterval, lastCrawledAt.
 *   3. For each page, `{ "type": "page", … }` (url, title, content, contentHash,
 *      charCount, wordCount, chunkCount, etag, lastModified, metadata, fetchedAt),
 *      followed by that page's `{ "type": "chunk", … }` lines (chunkIndex, title,
 *      headingPath, content, context, charCount, contentHash), then its
 *      `{ "type": "code", … }` lines (exampleIndex, language, name, summary, code,
 *      headingPath, contentHash). Indexes increase within a page.
 *   4. `{ "type": "end", "pages": n, "chunks": n, "codeExamples": n }`, so a
 *      truncated archive is detected instead of imported as a smaller source.
 *
 * Chunk and code lines carry `embedding` only when the archive includes
 * embeddings: base64 of the vector's float32 values, little-endian, exactly as
 * pgvector stores them (no decimal round trip, so similarity scores survive).
 *
 * Database ids of pages, chunks and code examples are not part of the format:
 * an importing Archon assigns its own. Unknown fields are ignored; a change an
 * older reader would misread bumps `version`.
 */
import { z } from 'zod';
import { KNOWLEDGE_TYPES, SOURCE_KINDS } from '../../../db/schema/knowledge';
import { jsonValueSchema, REFRESH_INTERVALS, type RefreshInterval, sourceIdSchema, tagsSchema, textSchema, titleSchema } from '../../schemas/common';
import { crawlUrlSchema } from '../../schemas/knowledge';

export const ARCHIVE_FORMAT = 'archon-source';
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_CONTENT_TYPE = 'application/gzip';
/** pgvector's HNSW index covers up to 4000 dimensions (halfvec); see db/vector-index.ts. */
const MAX_DIMENSIONS = 4000;

// Generous limits: they bound what one line may hold, not what a crawl produces.
const MAX_TEXT = 100_000_000;
/**
 * Chunks and code examples are tighter: each row's text feeds a generated
 * tsvector column, which PostgreSQL refuses above 1 MB (error 54000), and one
 * refused row fails the whole import. The worst case measured (distinct
 * two-letter CJK words) is about 3.4 bytes of lexemes and positions per
 * character; a row's fields together stay under 135 k characters, so under
 * half the limit. The caps still sit far above what Archon writes: chunker
 * pieces of at most 5,000 characters (only a code fence longer than that is
 * kept whole), code examples of at most 5,000 (MAX_CODE_CHARS), contexts of
 * 300, names of 120 and summaries of 400.
 */
export const ARCHIVE_LIMITS = {
  chunkContent: 100_000,
  code: 20_000,
  title: 10_000,
  headingText: 1_000,
  headingDepth: 20,
  context: 4_000,
  codeName: 1_000,
  codeSummary: 4_000,
} as const;
const text = (max = MAX_TEXT) => textSchema(max);
const nonEmpty = (max: number) => textSchema(max).refine((s) => s.length > 0, 'must not be empty');
const isoDate = z.iso.datetime({ offset: true });
const count = z.number().int().min(0).max(2_147_483_647);
const headingPath = z
  .array(text(ARCHIVE_LIMITS.headingText))
  .max(ARCHIVE_LIMITS.headingDepth, `must have at most ${ARCHIVE_LIMITS.headingDepth} headings`);
const embedding = z
  .string()
  .max(4 * MAX_DIMENSIONS * 2)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .optional();

// Another Archon's unknown schedule imports as 'off' rather than failing the whole source.
const isRefreshInterval = (v: string): v is RefreshInterval => (REFRESH_INTERVALS as readonly string[]).includes(v);

export const embeddingInfoSchema = z.object({
  model: nonEmpty(200),
  dimensions: z.number().int().min(1).max(MAX_DIMENSIONS),
});
export type EmbeddingInfo = z.infer<typeof embeddingInfoSchema>;

/** Read first and alone, so an unknown version gets its own message rather than a field error. */
export const headerEnvelopeSchema = z.object({ format: z.unknown(), version: z.unknown() });

export const headerSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  exportedAt: isoDate,
  archon: text(100),
  embedding: embeddingInfoSchema.nullable(),
});
export type ArchiveHeader = z.infer<typeof headerSchema>;

/**
 * The source's own fields are held to what the API accepts, so that an imported source can be edited, filtered and
 * refreshed like any other: tags as knowledge.updateSource takes them, a summary as long as a person may write, a
 * crawled source's URL as knowledge.crawl takes it. Titles are single lines as the API's, but as long as Archon itself
 * makes them (a crawl names its source after the start page's title, up to 1,000 characters, or its URL): the API's
 * 200 would refuse Archon's own exports.
 */
export const SOURCE_TITLE_CHARS = 2048;

export const sourceLineSchema = z
  .object({
    type: z.literal('source'),
    id: sourceIdSchema,
    kind: z.enum(SOURCE_KINDS),
    url: z.string().nullable(),
    title: titleSchema(SOURCE_TITLE_CHARS),
    titleEdited: z.boolean(),
    summary: textSchema(2000).nullable(),
    /** Absent in archives from before it existed: a summary then counts as written by crawls. */
    summaryEdited: z.boolean().default(false),
    knowledgeType: z.enum(KNOWLEDGE_TYPES),
    tags: tagsSchema,
    crawlOptions: z.record(z.string(), jsonValueSchema),
    refreshInterval: z
      .string()
      .max(40)
      .transform((v): RefreshInterval => (isRefreshInterval(v) ? v : 'off')),
    lastCrawledAt: isoDate.nullable(),
  })
  .superRefine((s, ctx) => {
    const refuse = (message: string) => ctx.addIssue({ code: 'custom', path: ['url'], message });
    if (s.kind === 'upload') {
      if (s.url !== null) refuse('an uploaded source has no URL');
      return;
    }
    if (s.url === null) return refuse('a crawled source needs its http:// or https:// URL');
    const url = crawlUrlSchema.safeParse(s.url);
    if (!url.success) return refuse(url.error.issues[0]!.message);
    const { username, password } = new URL(url.data);
    if (username || password) refuse('must not contain a user name or password (user:password@)');
  });
export type SourceLine = z.infer<typeof sourceLineSchema>;
/** A source line as written, before the reader's coercions (an unknown schedule becomes 'off'). */
export type SourceLineOut = z.input<typeof sourceLineSchema>;

/** Pages Archon stores are at http(s) addresses, or file://<name> for uploads (whose escaped name is no URL host). */
function isPageUrl(url: string): boolean {
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return false;
  if (/^file:\/\/./.test(url)) return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export const pageLineSchema = z.object({
  type: z.literal('page'),
  url: nonEmpty(100_000).refine(isPageUrl, 'must be an http://, https:// or file:// URL'),
  // Each of the page's chunks carries this title into its search text.
  title: text(ARCHIVE_LIMITS.title),
  content: text(),
  contentHash: text(200),
  charCount: count,
  wordCount: count,
  chunkCount: count,
  etag: text(10_000).nullable(),
  lastModified: text(10_000).nullable(),
  metadata: z.record(z.string(), jsonValueSchema),
  fetchedAt: isoDate.nullable(),
});
export type PageLine = z.infer<typeof pageLineSchema>;

export const chunkLineSchema = z.object({
  type: z.literal('chunk'),
  chunkIndex: count,
  title: text(ARCHIVE_LIMITS.title),
  headingPath,
  content: text(ARCHIVE_LIMITS.chunkContent),
  context: text(ARCHIVE_LIMITS.context).nullable(),
  charCount: count,
  contentHash: text(200),
  embedding,
});
export type ChunkLine = z.infer<typeof chunkLineSchema>;

export const codeLineSchema = z.object({
  type: z.literal('code'),
  exampleIndex: count,
  language: text(200),
  name: text(ARCHIVE_LIMITS.codeName),
  summary: text(ARCHIVE_LIMITS.codeSummary),
  code: text(ARCHIVE_LIMITS.code),
  headingPath,
  contentHash: text(200),
  embedding,
});
export type CodeLine = z.infer<typeof codeLineSchema>;

export const endLineSchema = z.object({
  type: z.literal('end'),
  pages: count,
  chunks: count,
  codeExamples: count,
});
export type EndLine = z.infer<typeof endLineSchema>;

export const bodyLineSchema = z.discriminatedUnion('type', [sourceLineSchema, pageLineSchema, chunkLineSchema, codeLineSchema, endLineSchema]);
export type BodyLine = z.infer<typeof bodyLineSchema>;

/** A vector as base64 of little-endian float32, written byte by byte so the host's endianness never matters. */
export function encodeEmbedding(values: ArrayLike<number>): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf.toString('base64');
}

/** The inverse of encodeEmbedding; null when the bytes are not `dimensions` finite floats, not all zero. */
export function decodeEmbedding(base64: string, dimensions: number): number[] | null {
  const buf = Buffer.from(base64, 'base64');
  if (buf.length !== dimensions * 4) return null;
  const out = new Array<number>(dimensions);
  let nonZero = false;
  for (let i = 0; i < dimensions; i++) {
    const x = buf.readFloatLE(i * 4);
    if (!Number.isFinite(x)) return null;
    if (x !== 0) nonZero = true;
    out[i] = x;
  }
  // A zero vector has no direction: its cosine distance is NaN, so Archon never stores one.
  return nonZero ? out : null;
}

/** A vector in pgvector's text format with every float32 digit kept (db/vector-text.ts rounds, which is fine for fresh embeddings but not for a copy). */
export function exactVectorText(values: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < values.length; i++) s += (i ? ',' : '') + String(values[i]);
  return `${s}]`;
}

/** Parses pgvector's text output, whose shortest float4 digits read back to the exact float32. */
export function parseVectorText(text: string): number[] {
  const inner = text.trim().slice(1, -1);
  return inner ? inner.split(',').map(Number) : [];
}

/** The first few problems zod found, with the field each is in. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
