import { sql } from 'drizzle-orm';
import { postgresClient } from '../../../db/driver';
import { copyChunks, copyCodeExamples } from '../../../db/knowledge-copy';
import { chunks, codeExamples, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { type EmbeddingInfo, exactVectorText } from './format';
import type { ArchiveChunk, ArchiveCode, ArchivePage } from './read-archive';

export type PageWriteCounts = {
  pages: number;
  chunks: number;
  codeExamples: number;
  /** Rows stored with the archive's vector. */
  embeddingsKept: number;
  /** Rows whose archive vector was of another model or dimension, stored without one for re-embedding. */
  embeddingsDropped: number;
};

const INSERT_BATCH = 100;

type Row<T> = { sourceId: string; pageId: string; item: T; vector: number[] | null };

// The column type's own encoder rounds to seven decimals (db/vector-text.ts);
// a copy keeps every float32 digit so similarity scores match the original.
const insertVector = (vector: number[] | null, embedding: EmbeddingInfo | null) =>
  vector
    ? { embedding: sql`${exactVectorText(vector)}::vector`, embeddingModel: embedding!.model, embeddingDim: embedding!.dimensions }
    : { embedding: null, embeddingModel: null, embeddingDim: null };

async function insertInBatches<T>(items: T[], write: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += INSERT_BATCH) await write(items.slice(i, i + INSERT_BATCH));
}

/**
 * Writes archive pages with their chunks and code examples into a source the
 * importer has just created or emptied (so plain inserts, no upserts). `embedding` is the
 * archive's model when its vectors are usable here, else null: the rows are
 * then stored without vectors, which the re-embedding job fills in later.
 * On PostgreSQL chunks and code examples go in with binary COPY, which is both
 * faster and carries float32 vectors bit for bit.
 */
export async function writePages(db: Database, sourceId: string, batch: ArchivePage[], embedding: EmbeddingInfo | null): Promise<PageWriteCounts> {
  const counts: PageWriteCounts = { pages: 0, chunks: 0, codeExamples: 0, embeddingsKept: 0, embeddingsDropped: 0 };
  if (batch.length === 0) return counts;

  const pageIds = new Map<string, string>();
  await insertInBatches(batch, async (slice) => {
    const rows = await db
      .insert(pages)
      .values(
        slice.map(({ page: p }) => ({
          sourceId,
          url: p.url,
          title: p.title,
          content: p.content,
          contentHash: p.contentHash,
          charCount: p.charCount,
          wordCount: p.wordCount,
          chunkCount: p.chunkCount,
          etag: p.etag,
          lastModified: p.lastModified,
          metadata: p.metadata,
          fetchedAt: p.fetchedAt === null ? null : new Date(p.fetchedAt),
        })),
      )
      .returning({ id: pages.id, url: pages.url });
    for (const r of rows) pageIds.set(r.url, r.id);
  });
  counts.pages = pageIds.size;

  const vectorOf = (item: { embedding: number[] | null }): number[] | null => {
    if (!item.embedding) return null;
    if (!embedding) {
      counts.embeddingsDropped++;
      return null;
    }
    counts.embeddingsKept++;
    return item.embedding;
  };
  const chunkRows: Row<ArchiveChunk>[] = [];
  const codeRows: Row<ArchiveCode>[] = [];
  batch.forEach((p) => {
    const pageId = pageIds.get(p.page.url)!;
    for (const c of p.chunks) chunkRows.push({ sourceId, pageId, item: c, vector: vectorOf(c) });
    for (const e of p.codeExamples) codeRows.push({ sourceId, pageId, item: e, vector: vectorOf(e) });
  });

  const pg = postgresClient(db);
  if (pg) {
    const vectorColumns = (vector: number[] | null) =>
      vector ? { embedding: vector, embeddingModel: embedding!.model, embeddingDim: embedding!.dimensions } : {};
    await copyChunks(
      pg,
      chunkRows.map(({ pageId, item: { embedding: _e, ...c }, vector }) => ({ sourceId, pageId, ...c, ...vectorColumns(vector) })),
    );
    await copyCodeExamples(
      pg,
      codeRows.map(({ pageId, item: { embedding: _e, ...e }, vector }) => ({ sourceId, pageId, ...e, ...vectorColumns(vector) })),
    );
  } else {
    await insertInBatches(chunkRows, (slice) =>
      db
        .insert(chunks)
        .values(slice.map(({ pageId, item: { embedding: _e, ...c }, vector }) => ({ sourceId, pageId, ...c, ...insertVector(vector, embedding) }))),
    );
    await insertInBatches(codeRows, (slice) =>
      db
        .insert(codeExamples)
        .values(slice.map(({ pageId, item: { embedding: _e, ...e }, vector }) => ({ sourceId, pageId, ...e, ...insertVector(vector, embedding) }))),
    );
  }
  counts.chunks = chunkRows.length;
  counts.codeExamples = codeRows.length;
  return counts;
}
