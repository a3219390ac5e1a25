import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { chunks, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { chunkMarkdown, embeddingText, type MarkdownChunk } from '../crawl/chunker';
import { embedInBatches } from '../embeddings/embed-in-batches';
import type { Embedder } from '../embeddings/types';

/** A page's worth of Markdown from any source: a crawled page, an llms-full section, an uploaded file. */
export type IngestDocument = {
  url: string;
  title: string;
  markdown: string;
  etag?: string | null;
  lastModified?: string | null;
  metadata?: Record<string, unknown>;
};

export type PreparedChunk = MarkdownChunk & { embedding: number[] | null };
export type PreparedDocument = IngestDocument & { contentHash: string; chunks: PreparedChunk[] };
export type PrepareResult = { documents: PreparedDocument[]; embedded: number; reused: number; failed: { url: string; message: string }[] };

export const contentHash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Embeddings already stored for these pages by the current model, keyed by url then chunk hash. */
async function reusableEmbeddings(db: Database, sourceId: string, urls: string[], embedder: Embedder) {
  const byUrl = new Map<string, Map<string, number[]>>();
  if (urls.length === 0) return byUrl;
  const rows = await db
    .select({ url: pages.url, hash: chunks.contentHash, embedding: chunks.embedding })
    .from(chunks)
    .innerJoin(pages, eq(pages.id, chunks.pageId))
    .where(
      and(
        eq(pages.sourceId, sourceId),
        inArray(pages.url, urls),
        eq(chunks.embeddingModel, embedder.model),
        eq(chunks.embeddingDim, embedder.dimensions),
        sql`${chunks.embedding} is not null`,
      ),
    );
  for (const row of rows) {
    if (!byUrl.has(row.url)) byUrl.set(row.url, new Map());
    byUrl.get(row.url)!.set(row.hash, row.embedding!);
  }
  return byUrl;
}

/**
 * Chunks documents and embeds the chunks in provider-sized batches across all
 * of them. Chunks whose content is unchanged keep their stored embedding;
 * chunks whose embedding failed keep `null` (still found by full-text search)
 * and are reported, never stored as zero or partial vectors.
 */
export async function prepareDocuments(
  db: Database,
  opts: { sourceId: string; embedder: Embedder; batchSize: number; concurrency: number; signal?: AbortSignal },
  docs: IngestDocument[],
): Promise<PrepareResult> {
  const reuse = await reusableEmbeddings(db, opts.sourceId, docs.map((d) => d.url), opts.embedder);
  const documents: PreparedDocument[] = docs.map((doc) => ({
    ...doc,
    contentHash: contentHash(doc.markdown),
    chunks: chunkMarkdown(doc.markdown).map((chunk) => ({ ...chunk, embedding: reuse.get(doc.url)?.get(chunk.contentHash) ?? null })),
  }));
  const missing = documents.flatMap((doc) => doc.chunks.filter((c) => !c.embedding).map((chunk) => ({ doc, chunk })));
  const reused = documents.reduce((n, d) => n + d.chunks.length, 0) - missing.length;
  const { vectors, failures } = await embedInBatches(
    opts.embedder,
    missing.map(({ doc, chunk }) => embeddingText(chunk, doc.title)),
    { batchSize: opts.batchSize, concurrency: opts.concurrency, signal: opts.signal },
  );
  missing.forEach((m, i) => (m.chunk.embedding = vectors[i] ?? null));
  return {
    documents,
    embedded: vectors.filter(Boolean).length,
    reused,
    failed: failures.map((f) => ({ url: missing[f.index]!.doc.url, message: f.message })),
  };
}
