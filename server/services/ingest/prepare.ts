import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { chunks, codeExamples, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { embedInBatches } from '../embeddings/embed-in-batches';
import type { Embedder } from '../embeddings/types';
import { chunkMarkdown, embeddingText, type MarkdownChunk } from './chunker';
import { type CodeExample, codeEmbeddingText, extractCodeExamples } from './code-examples';
import type { Contextualizer } from './contextualize';
import type { Summarizer } from './summarizer';

/** A page's worth of Markdown from any source: a crawled page, an llms-full section, an uploaded file. */
export type IngestDocument = {
  url: string;
  title: string;
  markdown: string;
  etag?: string | null;
  lastModified?: string | null;
  metadata?: Record<string, unknown>;
};

export type PreparedChunk = MarkdownChunk & { embedding: number[] | null; context: string | null };
export type PreparedCode = CodeExample & { embedding: number[] | null };
export type PreparedDocument = IngestDocument & { contentHash: string; chunks: PreparedChunk[]; codeExamples: PreparedCode[] };
export type PrepareResult = { documents: PreparedDocument[]; embedded: number; reused: number; failed: { url: string; message: string }[] };

export const contentHash = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Longer page titles are cut. Each chunk carries its page's title into its full-text index, which PostgreSQL refuses
 * above 1 MB: a page with a runaway <title> (or a Markdown file that is one long '# ' line) failed to store, and with it
 * every page of its crawl batch.
 */
export const MAX_TITLE_CHARS = 1000;
export function clipTitle(title: string): string {
  if (title.length <= MAX_TITLE_CHARS) return title;
  // Never half of a character that takes two UTF-16 units.
  const end = /[\uD800-\uDBFF]/.test(title[MAX_TITLE_CHARS - 1]!) ? MAX_TITLE_CHARS - 1 : MAX_TITLE_CHARS;
  return `${title.slice(0, end).trimEnd()}…`;
}

/** Embeddings already stored for these pages by the current model, keyed by url then chunk hash. */
async function reusableEmbeddings(db: Database, sourceId: string, urls: string[], embedder: Embedder) {
  const byUrl = new Map<string, Map<string, { embedding: number[]; context: string | null }>>();
  if (urls.length === 0) return byUrl;
  const rows = await db
    .select({ url: pages.url, hash: chunks.contentHash, embedding: chunks.embedding, context: chunks.context })
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
    byUrl.get(row.url)!.set(row.hash, { embedding: row.embedding!, context: row.context });
  }
  return byUrl;
}

/**
 * Code examples already stored for these pages with a vector of the current
 * model, keyed by url then code hash: an unchanged example keeps its name,
 * summary and vector, so a re-crawl neither re-summarises nor re-embeds it.
 */
async function reusableCodeExamples(db: Database, sourceId: string, urls: string[], embedder: Embedder) {
  const byUrl = new Map<string, Map<string, { name: string; summary: string; embedding: number[] }>>();
  if (urls.length === 0) return byUrl;
  const rows = await db
    .select({
      url: pages.url,
      hash: codeExamples.contentHash,
      name: codeExamples.name,
      summary: codeExamples.summary,
      embedding: codeExamples.embedding,
    })
    .from(codeExamples)
    .innerJoin(pages, eq(pages.id, codeExamples.pageId))
    .where(
      and(
        eq(pages.sourceId, sourceId),
        inArray(pages.url, urls),
        eq(codeExamples.embeddingModel, embedder.model),
        eq(codeExamples.embeddingDim, embedder.dimensions),
        sql`${codeExamples.embedding} is not null`,
      ),
    );
  for (const row of rows) {
    if (!byUrl.has(row.url)) byUrl.set(row.url, new Map());
    byUrl.get(row.url)!.set(row.hash, { name: row.name, summary: row.summary, embedding: row.embedding! });
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
  opts: {
    sourceId: string;
    embedder: Embedder;
    batchSize: number;
    concurrency: number;
    contextualizer?: Contextualizer | null;
    /** Names and summarises code examples before they are embedded; without one they keep their deterministic text. */
    summarizer?: Summarizer | null;
    signal?: AbortSignal;
  },
  docs: IngestDocument[],
): Promise<PrepareResult> {
  const urls = docs.map((d) => d.url);
  const [reuse, reuseCode] = await Promise.all([
    reusableEmbeddings(db, opts.sourceId, urls, opts.embedder),
    reusableCodeExamples(db, opts.sourceId, urls, opts.embedder),
  ]);
  const documents: PreparedDocument[] = docs.map((doc) => ({
    ...doc,
    title: clipTitle(doc.title),
    contentHash: contentHash(doc.markdown),
    chunks: chunkMarkdown(doc.markdown).map((chunk) => {
      const kept = reuse.get(doc.url)?.get(chunk.contentHash);
      return { ...chunk, embedding: kept?.embedding ?? null, context: kept?.context ?? null };
    }),
    codeExamples: extractCodeExamples(doc.markdown, doc.title).map((e) => {
      const kept = reuseCode.get(doc.url)?.get(e.contentHash);
      return kept ? { ...e, ...kept } : { ...e, embedding: null };
    }),
  }));
  // The same snippet on many pages (install commands, a shared setup) is stored once: its copies on other pages are removed
  // when the job ends (dedupe-code.ts), over the whole source, so which copy stays does not depend on how pages were batched.
  const missing = documents.flatMap((doc) => doc.chunks.filter((c) => !c.embedding).map((chunk) => ({ doc, chunk })));
  const code = documents.flatMap((doc) => doc.codeExamples.filter((e) => !e.embedding).map((example) => ({ doc, example })));
  if (opts.summarizer && code.length) {
    // Before embedding: the summary is part of what is embedded.
    const written = await opts.summarizer.summarizeCode(
      code.map(({ example }) => example),
      { signal: opts.signal },
    );
    code.forEach(({ example }, i) => {
      Object.assign(example, written[i] ?? {});
    });
  }
  const reused = documents.reduce((n, d) => n + d.chunks.length, 0) - missing.length;
  if (opts.contextualizer) {
    for (const doc of documents) {
      const pending = doc.chunks.filter((c) => !c.embedding);
      if (pending.length === 0) continue;
      const lines = await opts.contextualizer.contextualize(
        doc,
        pending.map((c) => c.content),
      );
      pending.forEach((c, i) => {
        c.context = lines[i] ?? null;
      });
    }
  }
  const { vectors, failures } = await embedInBatches(
    opts.embedder,
    [
      ...missing.map(({ doc, chunk }) => (chunk.context ? `${chunk.context}\n${embeddingText(chunk, doc.title)}` : embeddingText(chunk, doc.title))),
      ...code.map(({ example }) => codeEmbeddingText(example)),
    ],
    { batchSize: opts.batchSize, concurrency: opts.concurrency, signal: opts.signal },
  );
  missing.forEach((m, i) => {
    m.chunk.embedding = vectors[i] ?? null;
  });
  code.forEach((c, i) => {
    c.example.embedding = vectors[missing.length + i] ?? null;
  });
  return {
    documents,
    embedded: vectors.slice(0, missing.length).filter(Boolean).length,
    reused,
    failed: failures.filter((f) => f.index < missing.length).map((f) => ({ url: missing[f.index]!.doc.url, message: f.message })),
  };
}
