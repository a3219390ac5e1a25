import type { Sql } from 'postgres';
import { type CopyValue, copyRows } from './copy-binary';
import type { chunks, codeExamples } from './schema';

// Binary COPY layouts of the two embedded tables, shared by every bulk writer
// (crawl ingestion, archive import) so a column added to one cannot be missed
// by the other. Each column is named next to its value, so names and cells
// cannot drift apart.
type Column<R> = [name: string, cell: (row: R) => CopyValue];
type Embedded = { embedding?: number[] | null; embeddingModel?: string | null; embeddingDim?: number | null };

// indexed_dim is left out on purpose: new vectors wait in the backlog (vector-backlog.ts).
const vectorColumns = <R extends Embedded>(): Column<R>[] => [
  ['embedding', (r) => ({ type: 'vector', value: r.embedding ?? null })],
  ['embedding_model', (r) => ({ type: 'text', value: r.embeddingModel ?? null })],
  ['embedding_dim', (r) => ({ type: 'int4', value: r.embeddingDim ?? null })],
];

export type ChunkInsert = typeof chunks.$inferInsert;
const CHUNK_LAYOUT: Column<ChunkInsert>[] = [
  ['source_id', (c) => ({ type: 'text', value: c.sourceId })],
  ['page_id', (c) => ({ type: 'uuid', value: c.pageId })],
  ['chunk_index', (c) => ({ type: 'int4', value: c.chunkIndex })],
  ['title', (c) => ({ type: 'text', value: c.title ?? '' })],
  ['heading_path', (c) => ({ type: 'jsonb', value: c.headingPath ?? [] })],
  ['content', (c) => ({ type: 'text', value: c.content })],
  ['context', (c) => ({ type: 'text', value: c.context ?? null })],
  ['char_count', (c) => ({ type: 'int4', value: c.charCount })],
  ['content_hash', (c) => ({ type: 'text', value: c.contentHash })],
  ...vectorColumns<ChunkInsert>(),
];

export type CodeExampleInsert = typeof codeExamples.$inferInsert;
const CODE_LAYOUT: Column<CodeExampleInsert>[] = [
  ['source_id', (e) => ({ type: 'text', value: e.sourceId })],
  ['page_id', (e) => ({ type: 'uuid', value: e.pageId })],
  ['example_index', (e) => ({ type: 'int4', value: e.exampleIndex })],
  ['language', (e) => ({ type: 'text', value: e.language ?? '' })],
  ['name', (e) => ({ type: 'text', value: e.name ?? '' })],
  ['summary', (e) => ({ type: 'text', value: e.summary ?? '' })],
  ['code', (e) => ({ type: 'text', value: e.code })],
  ['heading_path', (e) => ({ type: 'jsonb', value: e.headingPath ?? [] })],
  ['content_hash', (e) => ({ type: 'text', value: e.contentHash })],
  ...vectorColumns<CodeExampleInsert>(),
];

const copyWith = <R>(sql: Sql, table: string, layout: Column<R>[], rows: R[]) =>
  copyRows(
    sql,
    table,
    layout.map(([name]) => name),
    rows.map((row) => layout.map(([, cell]) => cell(row))),
  );

/** Bulk-loads chunks; float32 vectors go in bit for bit, with no text formatting or parsing. */
export const copyChunks = (sql: Sql, rows: ChunkInsert[]) => copyWith(sql, 'chunks', CHUNK_LAYOUT, rows);
export const copyCodeExamples = (sql: Sql, rows: CodeExampleInsert[]) => copyWith(sql, 'code_examples', CODE_LAYOUT, rows);
