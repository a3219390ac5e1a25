import { and, count, desc, eq, inArray, max, type SQL, sql } from 'drizzle-orm';
import { chunks, codeExamples, jobs, sources } from '../../../db/schema';
import type { Database } from '../../../db/types';

/** A job as a source's row shows it: its counters and outcome, without its input. */
const jobSummary = {
  id: jobs.id,
  kind: jobs.kind,
  status: jobs.status,
  sourceId: jobs.sourceId,
  pagesDiscovered: jobs.pagesDiscovered,
  pagesFetched: jobs.pagesFetched,
  pagesSkipped: jobs.pagesSkipped,
  pagesFailed: jobs.pagesFailed,
  chunksStored: jobs.chunksStored,
  embeddingsDone: jobs.embeddingsDone,
  embeddingsFailed: jobs.embeddingsFailed,
  error: jobs.error,
  createdAt: jobs.createdAt,
  startedAt: jobs.startedAt,
  finishedAt: jobs.finishedAt,
};
export type JobSummary = { [K in keyof typeof jobSummary]: (typeof jobs.$inferSelect)[K] };

/**
 * How a source's rows stand against the configured embedding model: `current`
 * were embedded by it, `missing` have no vector (the provider failed, or a job
 * is still at work), `stale` were embedded by another model or dimension.
 */
export type EmbeddingCounts = { total: number; current: number; missing: number; stale: number };

export type SourceStatus = {
  sourceId: string;
  /** Chunks and code examples together: both are searched by vector. */
  embeddings: EmbeddingCounts;
  /** The queued or running job, if any (the newest, should there be two). */
  activeJob: JobSummary | null;
  /** The newest job that has ended, whatever its outcome. */
  lastJob: JobSummary | null;
  /** When a job last completed for it: the last refresh of an upload, which has no crawl date. */
  lastCompletedAt: Date | null;
};

const ACTIVE = ['queued', 'running'] as const;
const ENDED = ['completed', 'failed', 'cancelled'] as const;

async function embeddingCounts(
  db: Database,
  table: typeof chunks | typeof codeExamples,
  embedder: { model: string; dimensions: number },
  ids: string[],
): Promise<Map<string, EmbeddingCounts>> {
  const current: SQL = sql`${table.embedding} is not null and ${table.embeddingModel} = ${embedder.model} and ${table.embeddingDim} = ${embedder.dimensions}`;
  const rows = await db
    .select({
      sourceId: table.sourceId,
      total: count(),
      current: sql<number>`count(*) filter (where ${current})`.mapWith(Number),
      missing: sql<number>`count(*) filter (where ${table.embedding} is null)`.mapWith(Number),
    })
    .from(table)
    .where(inArray(table.sourceId, ids))
    .groupBy(table.sourceId);
  return new Map(rows.map((r) => [r.sourceId, { total: r.total, current: r.current, missing: r.missing, stale: r.total - r.current - r.missing }]));
}

/** The newest job per source among `statuses`, in one statement. */
async function newestJobs(db: Database, ids: string[], statuses: readonly string[]): Promise<Map<string, JobSummary>> {
  const rows = await db
    .selectDistinctOn([jobs.sourceId], jobSummary)
    .from(jobs)
    .where(and(inArray(jobs.sourceId, ids), inArray(jobs.status, [...statuses] as JobSummary['status'][])))
    .orderBy(jobs.sourceId, desc(jobs.createdAt), desc(jobs.id));
  return new Map(rows.map((r) => [r.sourceId!, r]));
}

const NO_ROWS: EmbeddingCounts = { total: 0, current: 0, missing: 0, stale: 0 };
const add = (a: EmbeddingCounts = NO_ROWS, b: EmbeddingCounts = NO_ROWS): EmbeddingCounts => ({
  total: a.total + b.total,
  current: a.current + b.current,
  missing: a.missing + b.missing,
  stale: a.stale + b.stale,
});

/**
 * What a list of sources shows beside each one: embedding coverage, the job at
 * work and the last one that ended. One statement per kind of fact, whatever
 * the number of sources; ids that name no source are left out.
 */
export async function sourceStatuses(
  db: Database,
  embedder: { model: string; dimensions: number },
  ids: string[],
): Promise<{ items: SourceStatus[] }> {
  const unique = [...new Set(ids)];
  const [existing, chunkCounts, codeCounts, active, ended, completed] = await Promise.all([
    db.select({ id: sources.id }).from(sources).where(inArray(sources.id, unique)),
    embeddingCounts(db, chunks, embedder, unique),
    embeddingCounts(db, codeExamples, embedder, unique),
    newestJobs(db, unique, ACTIVE),
    newestJobs(db, unique, ENDED),
    db
      .select({ sourceId: jobs.sourceId, at: max(jobs.finishedAt) })
      .from(jobs)
      .where(and(inArray(jobs.sourceId, unique), eq(jobs.status, 'completed')))
      .groupBy(jobs.sourceId),
  ]);
  const found = new Set(existing.map((s) => s.id));
  const completedAt = new Map(completed.map((r) => [r.sourceId!, r.at]));
  return {
    items: unique
      .filter((id) => found.has(id))
      .map((id) => ({
        sourceId: id,
        embeddings: add(chunkCounts.get(id), codeCounts.get(id)),
        activeJob: active.get(id) ?? null,
        lastJob: ended.get(id) ?? null,
        lastCompletedAt: completedAt.get(id) ?? null,
      })),
  };
}

/** Every tag in use with how many sources carry it, most used first: the choices of a tag filter. */
export async function sourceTags(db: Database): Promise<{ tag: string; sources: number }[]> {
  const tag = sql<string>`unnest(${sources.tags})`;
  const rows = await db.select({ tag, sources: count() }).from(sources).groupBy(sql`1`).orderBy(sql`2 desc`, sql`1 asc`).limit(500);
  return rows;
}
