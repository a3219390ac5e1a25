import { sql } from 'drizzle-orm';
import { check, customType, index, integer, type PgColumn, text, timestamp } from 'drizzle-orm/pg-core';
import pgvector from 'pgvector';
import { vectorToText } from '../vector-text';

/**
 * A `vector` column without a fixed dimension. The configured dimension is
 * enforced per row (`embedding_dim`) and indexed with a partial expression index
 * per dimension (see db/vector-index.ts), so changing models never needs a
 * destructive ALTER and never silently mismatches.
 */
export const vector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => vectorToText(value),
  fromDriver: (value) => pgvector.fromSql(value) as number[],
});

export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/**
 * The embedding of a row, with the model and dimension that produced it.
 * `indexed_dim` is the dimension's HNSW index the row belongs to; null while
 * the row waits in the vector backlog (see db/vector-backlog.ts), where search
 * reads it exactly.
 */
export const embeddingColumns = () => ({
  embedding: vector('embedding'),
  embeddingModel: text('embedding_model'),
  embeddingDim: integer('embedding_dim'),
  indexedDim: integer('indexed_dim'),
});

export const embeddingDimCheck = (name: string, t: { embedding: PgColumn; embeddingDim: PgColumn; indexedDim: PgColumn }) =>
  check(
    name,
    sql`((${t.embedding} is null and ${t.embeddingDim} is null) or vector_dims(${t.embedding}) = ${t.embeddingDim}) and (${t.indexedDim} is null or ${t.indexedDim} = ${t.embeddingDim})`,
  );

/** Rows waiting in the vector backlog, found without reading the table. */
export const vectorBacklogIndex = (name: string, t: { embeddingDim: PgColumn; indexedDim: PgColumn }) =>
  index(name).on(t.embeddingDim).where(sql`${t.indexedDim} is null and ${t.embeddingDim} is not null`);
