import type { Sql } from 'postgres';
import { copyRows, type CopyValue } from './copy-binary';
import type { chunks, codeExamples } from './schema';

// Binary COPY layouts of the two embedded tables, shared by every bulk writer
// (crawl ingestion, archive import) so a column added to one cannot be missed
// by the other.
const vectorCells = (r: { embedding?: number[] | null; embeddingModel?: string | null; embeddingDim?: number | null }): CopyValue[] => [
  { type: 'vector', value: r.embedding ?? null },
  { type: 'text', value: r.embeddingModel ?? null },
  { type: 'int4', value: r.embeddingDim ?? null },
];
const VECTOR_COLUMNS = ['embedding', 'embedding_model', 'embedding_dim'];

const CHUNK_COLUMNS = ['source_id', 'page_id', 'chunk_index', 'title', 'heading_path', 'content', 'context', 'char_count', 'content_hash', ...VECTOR_COLUMNS];
export type ChunkInsert = typeof chunks.$inferInsert;
const chunkRow = (c: ChunkInsert): CopyValue[] => [
  { type: 'text', value: c.sourceId },
  { type: 'uuid', value: c.pageId },
  { type: 'int4', value: c.chunkIndex },
  { type: 'text', value: c.title ?? '' },
  { type: 'jsonb', value: c.headingPath ?? [] },
  { type: 'text', value: c.content },
  { type: 'text', value: c.context ?? null },
  { type: 'int4', value: c.charCount },
  { type: 'text', value: c.contentHash },
  ...vectorCells(c),
];

const CODE_COLUMNS = ['source_id', 'page_id', 'example_index', 'language', 'name', 'summary', 'code', 'heading_path', 'content_hash', ...VECTOR_COLUMNS];
export type CodeExampleInsert = typeof codeExamples.$inferInsert;
const codeRow = (e: CodeExampleInsert): CopyValue[] => [
  { type: 'text', value: e.sourceId },
  { type: 'uuid', value: e.pageId },
  { type: 'int4', value: e.exampleIndex },
  { type: 'text', value: e.language ?? '' },
  { type: 'text', value: e.name ?? '' },
  { type: 'text', value: e.summary ?? '' },
  { type: 'text', value: e.code },
  { type: 'jsonb', value: e.headingPath ?? [] },
  { type: 'text', value: e.contentHash },
  ...vectorCells(e),
];

/** Bulk-loads chunks; float32 vectors go in bit for bit, with no text formatting or parsing. */
export const copyChunks = (sql: Sql, rows: ChunkInsert[]) => copyRows(sql, 'chunks', CHUNK_COLUMNS, rows.map(chunkRow));
export const copyCodeExamples = (sql: Sql, rows: CodeExampleInsert[]) => copyRows(sql, 'code_examples', CODE_COLUMNS, rows.map(codeRow));
