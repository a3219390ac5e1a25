import { and, asc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import { chunks, codeExamples, pages, sources } from '../../../db/schema';
import { queryRows } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  type ChunkLine,
  type CodeLine,
  type EmbeddingInfo,
  encodeEmbedding,
  type PageLine,
  parseVectorText,
  type SourceLineOut,
} from './format';

export type ExportOptions = { includeEmbeddings: boolean; appVersion: string };

/** Pages per batch, and the characters of page content a batch may hold: memory stays flat whatever the source's size. */
const BATCH_PAGES = 50;
const BATCH_CHARS = 4_000_000;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * The model and dimension most of the source's vectors have. A source
 * half-way through re-embedding holds two; the archive carries one, and rows
 * of the other go without (the importer counts nothing for them).
 */
async function dominantEmbedding(db: Database, sourceId: string): Promise<EmbeddingInfo | null> {
  const [row] = await queryRows<{ model: string; dim: number; n: number }>(
    db,
    sql`select model, dim, sum(n)::int as n from (
          select embedding_model as model, embedding_dim as dim, count(*) as n from chunks
           where source_id = ${sourceId} and embedding is not null and embedding_model is not null group by 1, 2
          union all
          select embedding_model, embedding_dim, count(*) from code_examples
           where source_id = ${sourceId} and embedding is not null and embedding_model is not null group by 1, 2
        ) x group by model, dim order by n desc, model, dim limit 1`,
  );
  return row ? { model: row.model, dimensions: Number(row.dim) } : null;
}

/** The vector as pgvector text when it is the archive's model and dimension, else null. */
function embeddingColumn(table: typeof chunks | typeof codeExamples, embedding: EmbeddingInfo | null): SQL<string | null> {
  if (!embedding) return sql<null>`null`;
  return sql<
    string | null
  >`case when ${table.embeddingModel} = ${embedding.model} and ${table.embeddingDim} = ${embedding.dimensions} then ${table.embedding}::text end`;
}

const encoded = (text: string | null) => (text === null ? {} : { embedding: encodeEmbedding(parseVectorText(text)) });

/** The next pages after `afterUrl`, as many as fit the batch limits (at least one). */
async function nextBatchUrls(db: Database, sourceId: string, afterUrl: string | null): Promise<string[]> {
  const rows = await db
    .select({ url: pages.url, charCount: pages.charCount })
    .from(pages)
    .where(and(eq(pages.sourceId, sourceId), afterUrl === null ? undefined : gt(pages.url, afterUrl)))
    .orderBy(asc(pages.url))
    .limit(BATCH_PAGES);
  const urls: string[] = [];
  let chars = 0;
  for (const r of rows) {
    if (urls.length > 0 && chars + r.charCount > BATCH_CHARS) break;
    urls.push(r.url);
    chars += r.charCount;
  }
  return urls;
}

/**
 * A batch's pages with their chunks and code examples, read in one
 * repeatable-read transaction so a crawl storing a page meanwhile never
 * leaves a page paired with another version's chunks.
 */
async function loadBatch(db: Database, sourceId: string, urls: string[], embedding: EmbeddingInfo | null) {
  return db.transaction(
    async (tx) => {
      const pageRows = await tx
        .select()
        .from(pages)
        .where(and(eq(pages.sourceId, sourceId), inArray(pages.url, urls)))
        .orderBy(asc(pages.url));
      const ids = pageRows.map((p) => p.id);
      if (ids.length === 0) return { pageRows, chunkRows: [], codeRows: [] };
      const chunkRows = await tx
        .select({
          pageId: chunks.pageId,
          chunkIndex: chunks.chunkIndex,
          title: chunks.title,
          headingPath: chunks.headingPath,
          content: chunks.content,
          context: chunks.context,
          charCount: chunks.charCount,
          contentHash: chunks.contentHash,
          embedding: embeddingColumn(chunks, embedding),
        })
        .from(chunks)
        .where(inArray(chunks.pageId, ids))
        .orderBy(asc(chunks.pageId), asc(chunks.chunkIndex));
      const codeRows = await tx
        .select({
          pageId: codeExamples.pageId,
          exampleIndex: codeExamples.exampleIndex,
          language: codeExamples.language,
          name: codeExamples.name,
          summary: codeExamples.summary,
          code: codeExamples.code,
          headingPath: codeExamples.headingPath,
          contentHash: codeExamples.contentHash,
          embedding: embeddingColumn(codeExamples, embedding),
        })
        .from(codeExamples)
        .where(inArray(codeExamples.pageId, ids))
        .orderBy(asc(codeExamples.pageId), asc(codeExamples.exampleIndex));
      return { pageRows, chunkRows, codeRows };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

function groupByPage<T extends { pageId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.pageId);
    if (list) list.push(r);
    else out.set(r.pageId, [r]);
  }
  return out;
}

/**
 * A source as archive lines (see ./format.ts), without newlines; gzipLines
 * turns them into the file. Pages are read in batches by keyset pagination on
 * their URL (the (source_id, url) unique index serves it), and nothing is held
 * while a line waits for the consumer, so a slow download costs no
 * transaction. Throws NOT_FOUND before yielding anything for an unknown source.
 */
export async function* exportSource(db: Database, sourceId: string, opts: ExportOptions): AsyncGenerator<string> {
  const [source] = await db.select().from(sources).where(eq(sources.id, sourceId));
  if (!source) throw notFound('Source', sourceId);
  const embedding = opts.includeEmbeddings ? await dominantEmbedding(db, sourceId) : null;

  const header: ArchiveHeader = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    exportedAt: new Date().toISOString(),
    archon: opts.appVersion,
    embedding,
  };
  yield JSON.stringify(header);
  const sourceLine: SourceLineOut = {
    type: 'source',
    id: source.id,
    kind: source.kind,
    url: source.url,
    title: source.title,
    titleEdited: source.titleEdited,
    summary: source.summary,
    summaryEdited: source.summaryEdited,
    knowledgeType: source.knowledgeType,
    tags: source.tags,
    crawlOptions: source.crawlOptions,
    refreshInterval: source.refreshInterval,
    lastCrawledAt: iso(source.lastCrawledAt),
  };
  yield JSON.stringify(sourceLine);

  const counts = { pages: 0, chunks: 0, codeExamples: 0 };
  for (let afterUrl: string | null = null; ; ) {
    const urls = await nextBatchUrls(db, sourceId, afterUrl);
    if (urls.length === 0) break;
    afterUrl = urls.at(-1)!;
    const { pageRows, chunkRows, codeRows } = await loadBatch(db, sourceId, urls, embedding);
    const chunksOf = groupByPage(chunkRows);
    const codeOf = groupByPage(codeRows);
    for (const p of pageRows) {
      const pageLine: PageLine = {
        type: 'page',
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
        fetchedAt: iso(p.fetchedAt),
      };
      yield JSON.stringify(pageLine);
      counts.pages++;
      for (const { pageId: _p, embedding: vector, ...c } of chunksOf.get(p.id) ?? []) {
        const line: ChunkLine = { type: 'chunk', ...c, ...encoded(vector) };
        yield JSON.stringify(line);
        counts.chunks++;
      }
      for (const { pageId: _p, embedding: vector, ...e } of codeOf.get(p.id) ?? []) {
        const line: CodeLine = { type: 'code', ...e, ...encoded(vector) };
        yield JSON.stringify(line);
        counts.codeExamples++;
      }
    }
  }
  yield JSON.stringify({ type: 'end', ...counts });
}

/**
 * exportSource with its first line already read, so an unknown source is a
 * NOT_FOUND the caller can still answer with before sending any byte.
 */
export async function startExport(db: Database, sourceId: string, opts: ExportOptions): Promise<AsyncGenerator<string>> {
  const lines = exportSource(db, sourceId, opts);
  const first = await lines.next();
  return (async function* () {
    try {
      if (!first.done) yield first.value;
      yield* lines;
    } finally {
      await lines.return(undefined);
    }
  })();
}
