import { and, eq, inArray, sql } from 'drizzle-orm';
import { postgresClient } from '../../../db/driver';
import { copyChunks, copyCodeExamples } from '../../../db/knowledge-copy';
import { chunks, codeExamples, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import type { PreparedCode, PreparedDocument } from './prepare';

const INSERT_BATCH = 100;

const wordCount = (text: string) => (text.match(/\S+/g) ?? []).length;

/**
 * Writes prepared documents in one transaction: each page is upserted by
 * (source, url) and its chunks replaced, so storing the same document twice
 * (a retried step, a re-crawl) never duplicates chunks.
 */
export async function storeDocuments(
  db: Database,
  sourceId: string,
  embeddingModel: string,
  documents: PreparedDocument[],
): Promise<{ pageIds: Map<string, string>; chunksStored: number }> {
  const pageIds = new Map<string, string>();
  let chunksStored = 0;
  // Two URLs that redirect to one page arrive as one document twice; the last wins.
  documents = [...new Map(documents.map((d) => [d.url, d])).values()];
  if (documents.length === 0) return { pageIds, chunksStored };
  await db.transaction(async (tx) => {
    // Ingestion can be redone from the job's frontier, so it need not wait for
    // the WAL flush; commit order still holds, so a crash loses only a tail.
    await tx.execute(sql`set local synchronous_commit = off`);
    const now = new Date();
    const rows = await tx
      .insert(pages)
      .values(
        documents.map((d) => ({
          sourceId,
          url: d.url,
          title: d.title,
          content: d.markdown,
          contentHash: d.contentHash,
          charCount: codePoints(d.markdown),
          wordCount: wordCount(d.markdown),
          chunkCount: d.chunks.length,
          codeExampleCount: d.codeExamples.length,
          etag: d.etag ?? null,
          lastModified: d.lastModified ?? null,
          metadata: d.metadata ?? {},
          fetchedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [pages.sourceId, pages.url],
        set: {
          title: sql`excluded.title`,
          content: sql`excluded.content`,
          contentHash: sql`excluded.content_hash`,
          charCount: sql`excluded.char_count`,
          wordCount: sql`excluded.word_count`,
          chunkCount: sql`excluded.chunk_count`,
          codeExampleCount: sql`excluded.code_example_count`,
          etag: sql`excluded.etag`,
          lastModified: sql`excluded.last_modified`,
          metadata: sql`excluded.metadata`,
          fetchedAt: sql`excluded.fetched_at`,
          updatedAt: now,
        },
      })
      .returning({ id: pages.id, url: pages.url });
    for (const r of rows) pageIds.set(r.url, r.id);
    await tx.delete(chunks).where(
      and(
        eq(chunks.sourceId, sourceId),
        inArray(
          chunks.pageId,
          rows.map((r) => r.id),
        ),
      ),
    );
    const values = documents.flatMap((d) =>
      d.chunks.map((c) => ({
        sourceId,
        pageId: pageIds.get(d.url)!,
        chunkIndex: c.index,
        title: d.title,
        headingPath: c.headingPath,
        content: c.content,
        context: c.context,
        charCount: c.charCount,
        contentHash: c.contentHash,
        embedding: c.embedding,
        embeddingModel: c.embedding ? embeddingModel : null,
        embeddingDim: c.embedding ? c.embedding.length : null,
      })),
    );
    // On PostgreSQL, chunks and code examples go in with binary COPY: a crawl's
    // cost is dominated by these writes, and binary vectors skip both text
    // formatting and parsing.
    const pg = postgresClient(tx);
    if (pg) {
      await copyChunks(pg, values);
    } else {
      for (let i = 0; i < values.length; i += INSERT_BATCH) await tx.insert(chunks).values(values.slice(i, i + INSERT_BATCH));
    }
    chunksStored = values.length;
    await tx.delete(codeExamples).where(
      and(
        eq(codeExamples.sourceId, sourceId),
        inArray(
          codeExamples.pageId,
          rows.map((r) => r.id),
        ),
      ),
    );
    const examples = documents.flatMap((d) => d.codeExamples.map((e) => codeExampleRow(sourceId, pageIds.get(d.url)!, e, embeddingModel)));
    if (pg) {
      await copyCodeExamples(pg, examples);
    } else {
      for (let i = 0; i < examples.length; i += INSERT_BATCH) await tx.insert(codeExamples).values(examples.slice(i, i + INSERT_BATCH));
    }
  });
  return { pageIds, chunksStored };
}

/** The stored row of a page's code example; the model is recorded only with a vector. */
export const codeExampleRow = (sourceId: string, pageId: string, e: PreparedCode, embeddingModel: string) => ({
  sourceId,
  pageId,
  exampleIndex: e.index,
  language: e.language,
  name: e.name,
  summary: e.summary,
  code: e.code,
  headingPath: e.headingPath,
  contentHash: e.contentHash,
  embedding: e.embedding,
  embeddingModel: e.embedding ? embeddingModel : null,
  embeddingDim: e.embedding ? e.embedding.length : null,
});

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
/** Characters as PostgreSQL's char_length counts them, which listPages and readPage show: an emoji is one, not two UTF-16 units. */
export const codePoints = (text: string) => text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
