import { type SQL, sql } from 'drizzle-orm';
import { customType, index, integer, type PgColumn, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';
import { jobs } from './jobs';
import { pages } from './knowledge';

/**
 * Bytes travel as base64 text, decoded by the server. PGlite serialises a
 * binary parameter byte by byte: a 5 MB file took 8 s to insert that way and
 * 0.8 s as base64. Read the column with `byteaFromBase64` for the same reason.
 */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array | SQL }>({
  dataType: () => 'bytea',
  toDriver: (v) => sql`decode(${v.toString('base64')}, 'base64')`,
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array)),
});

/** A bytea column read as base64 text and decoded here (see `bytea`). */
export const byteaFromBase64 = (column: PgColumn) =>
  sql<Buffer | null>`encode(${column}, 'base64')`.mapWith((v: string | null) => (v === null ? null : Buffer.from(v, 'base64')));

export const UPLOAD_STATUSES = ['pending', 'done', 'failed'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/**
 * Uploaded files, stored before any work starts so a job can be retried or
 * resumed; the bytes are dropped once the file is processed.
 */
export const uploadFiles = pgTable(
  'upload_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    size: integer('size').notNull(),
    content: bytea('content'),
    status: text('status').$type<UploadStatus>().notNull().default('pending'),
    error: text('error'),
    pageId: uuid('page_id').references(() => pages.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('upload_files_job_idx').on(t.jobId, t.status)],
);
