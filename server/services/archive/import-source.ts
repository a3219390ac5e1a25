import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { jobs, pages, sources } from '../../../db/schema';
import { escapeLike } from '../../../db/sql';
import { mergePendingTextEntries } from '../../../db/text-index';
import type { Database } from '../../../db/types';
import { flushVectorBacklog } from '../../../db/vector-backlog';
import { badRequest, conflict } from '../../errors';
import { nextRefresh } from '../knowledge/sources';
import type { EmbeddingInfo, SourceLine } from './format';
import { type ArchivePage, type ArchiveRecord, readArchive } from './read-archive';
import { type CodeExampleLinks, relinkTaskCodeExamples, taskCodeExampleLinks } from './task-links';
import { type PageWriteCounts, writePages } from './write-pages';

export type ConflictMode = 'error' | 'replace' | 'copy';
export type ImportOptions = {
  /** The importing Archon's embedder: vectors of any other model or dimension are dropped. */
  embedder: { model: string; dimensions: number };
  /** What to do when a source with the archive's id exists: fail, replace its content, or import beside it under a new id. */
  onConflict: ConflictMode;
  /** The importing user, recorded as the creator of a new source (a replaced one keeps its creator). */
  createdBy?: string | null;
};
export type ImportResult = {
  sourceId: string;
  /** True when the source was imported beside an existing one under a new id (onConflict 'copy'). */
  copied: boolean;
  /** Rows stored without a vector, which a re-embedding job (knowledge.reembed) fills in. */
  embeddingsMissing: number;
  /** Only when 'replace' replaced a source: what became of its tasks' links to its code examples. */
  codeExampleLinks?: CodeExampleLinks;
} & PageWriteCounts;

/** Pages, rows and characters buffered before they are written: enough for efficient batches, little memory. */
const FLUSH_PAGES = 50;
const FLUSH_ROWS = 500;
const FLUSH_CHARS = 4_000_000;
/** Namespaces the advisory lock that serialises imports of one source id. */
const IMPORT_LOCK_CLASS = 0x41524348;

async function nextRecord<K extends ArchiveRecord['kind']>(
  records: AsyncIterator<ArchiveRecord>,
  kind: K,
): Promise<Extract<ArchiveRecord, { kind: K }>> {
  const next = await records.next();
  // The reader enforces the order and throws on a short archive; this only narrows the type.
  if (next.done || next.value.kind !== kind) throw badRequest(`The archive has no ${kind} line where one belongs`);
  return next.value as Extract<ArchiveRecord, { kind: K }>;
}

/** The first `<id>-copy-<n>` no source has. */
async function freeCopyId(tx: Database, id: string): Promise<string> {
  const base = id.slice(0, 180);
  const rows = await tx
    .select({ id: sources.id })
    .from(sources)
    .where(like(sources.id, `${escapeLike(base)}-copy-%`));
  const taken = new Set(rows.map((r) => r.id));
  for (let n = 1; ; n++) if (!taken.has(`${base}-copy-${n}`)) return `${base}-copy-${n}`;
}

type Target = { id: string; copy: boolean; replace: boolean };

/** Decides the id the source is stored under, and whether an existing source there is replaced. */
async function claimSourceId(tx: Database, id: string, mode: ConflictMode): Promise<Target> {
  await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK_CLASS}::int, hashtext(${id}))`);
  const [existing] = await tx.select({ id: sources.id, title: sources.title }).from(sources).where(eq(sources.id, id));
  if (!existing) return { id, copy: false, replace: false };
  if (mode === 'error') {
    throw conflict(`Source '${id}' (${existing.title}) already exists; import with onConflict 'replace' to overwrite it or 'copy' to keep both`, {
      sourceId: id,
    });
  }
  if (mode === 'copy') return { id: await freeCopyId(tx, id), copy: true, replace: false };
  // A crawl still writing into the source would mix its pages into the imported ones.
  const [active] = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.sourceId, id), inArray(jobs.status, ['queued', 'running'])))
    .limit(1);
  if (active) throw conflict(`Source '${id}' has a queued or running job (${active.id}); cancel it or let it finish before replacing the source`);
  return { id, copy: false, replace: true };
}

/**
 * Stores the archive's source row. A replaced source keeps its row, updated in
 * place: deleting it would cascade to its project and task links and detach
 * its job history. Only its pages go (their chunks and code examples with them).
 */
async function storeSource(tx: Database, source: Omit<SourceLine, 'type'>, target: Target, createdBy: string | null): Promise<void> {
  const row = sourceRow(source, target.id, target.copy);
  if (!target.replace) {
    await tx.insert(sources).values({ ...row, createdBy });
    return;
  }
  const { id: _id, ...columns } = row;
  await tx.update(sources).set(columns).where(eq(sources.id, target.id));
  await tx.delete(pages).where(eq(pages.sourceId, target.id));
}

function sourceRow(source: Omit<SourceLine, 'type'>, id: string, copy: boolean): typeof sources.$inferInsert {
  const refreshInterval = copy ? 'off' : source.refreshInterval;
  const lastCrawledAt = source.lastCrawledAt === null ? null : new Date(source.lastCrawledAt);
  return {
    id,
    kind: source.kind,
    url: source.url,
    // A copy's title says so and is kept by later crawls. Its refresh is off:
    // a crawl of its URL lands in the source whose id that URL hashes to.
    title: copy ? `${source.title} (copy)` : source.title,
    titleEdited: copy || source.titleEdited,
    summary: source.summary,
    summaryEdited: source.summaryEdited,
    knowledgeType: source.knowledgeType,
    tags: source.tags,
    crawlOptions: source.crawlOptions,
    refreshInterval,
    nextRefreshAt: nextRefresh(refreshInterval, lastCrawledAt),
    lastCrawledAt,
  };
}

/**
 * Imports a source archive (see ./format.ts) in one transaction: an archive
 * that turns out malformed, truncated or inconsistent at any line leaves the
 * database as it was, including the content a 'replace' deleted. A replaced
 * source keeps its project and task links, its jobs and its creator; tasks'
 * links to its code examples are restored where the archive brings the same
 * code back, and `codeExampleLinks` counts the rest. Vectors are
 * kept only when the archive's model and dimension are the importer's;
 * otherwise they are stored as null and counted in `embeddingsDropped`.
 * `embeddingsMissing` counts every row stored without a vector (dropped, or
 * absent from the archive): the caller can start a re-embedding job for them,
 * and full-text search finds them meanwhile.
 *
 * The transaction is open while `lines` is read, so callers should feed it from
 * a local file, not a slow network stream (the HTTP route spools uploads first).
 */
export async function importSource(db: Database, lines: AsyncIterable<string>, opts: ImportOptions): Promise<ImportResult> {
  const records = readArchive(lines)[Symbol.asyncIterator]();
  try {
    const { header } = await nextRecord(records, 'header');
    const { source } = await nextRecord(records, 'source');
    const usable = (e: EmbeddingInfo | null): e is EmbeddingInfo =>
      e !== null && e.model === opts.embedder.model && e.dimensions === opts.embedder.dimensions;
    const embedding = usable(header.embedding) ? header.embedding : null;
    const result = await db.transaction(async (tx) => {
      const target = await claimSourceId(tx, source.id, opts.onConflict);
      const links = target.replace ? await taskCodeExampleLinks(tx, target.id) : null;
      await storeSource(tx, source, target, opts.createdBy ?? null);
      const totals: PageWriteCounts = { pages: 0, chunks: 0, codeExamples: 0, embeddingsKept: 0, embeddingsDropped: 0 };
      // A repeated URL would otherwise surface as a bare unique-constraint conflict.
      const urls = new Set<string>();
      let buffer: ArchivePage[] = [];
      let rows = 0;
      let chars = 0;
      const flush = async () => {
        const written = await writePages(tx, target.id, buffer, embedding);
        for (const key of Object.keys(totals) as (keyof PageWriteCounts)[]) totals[key] += written[key];
        buffer = [];
        rows = 0;
        chars = 0;
      };
      for (let next = await records.next(); !next.done; next = await records.next()) {
        const record = next.value;
        if (record.kind !== 'page') continue;
        if (urls.has(record.page.url)) throw badRequest(`The archive holds page ${record.page.url} twice`);
        urls.add(record.page.url);
        buffer.push(record);
        rows += 1 + record.chunks.length + record.codeExamples.length;
        chars += record.page.content.length + record.chunks.reduce((n, c) => n + c.content.length, 0);
        if (buffer.length >= FLUSH_PAGES || rows >= FLUSH_ROWS || chars >= FLUSH_CHARS) await flush();
      }
      // The reader has now seen the end line and checked its counts.
      await flush();
      const embeddingsMissing = totals.chunks + totals.codeExamples - totals.embeddingsKept;
      const result: ImportResult = { sourceId: target.id, copied: target.copy, ...totals, embeddingsMissing };
      if (links) result.codeExampleLinks = await relinkTaskCodeExamples(tx, target.id, links);
      return result;
    });
    // The import's vectors went in unindexed, to be indexed together now, and its text waits in the GIN pending lists.
    await flushVectorBacklog(db, opts.embedder.dimensions);
    await mergePendingTextEntries(db);
    return result;
  } finally {
    // Stops reading (and decompressing) an archive abandoned half-way.
    await records.return?.(undefined);
  }
}
