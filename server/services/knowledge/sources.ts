import { and, asc, count, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import { chunks, jobs, pages, sources } from '../../../db/schema';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { badRequest, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { Dispatch } from '../../schemas/job-events';
import type { ListChunksInput, ListSourcesInput, RefreshInterval, SourceSort, UpdateSourceInput } from '../../schemas/sources';
import { type Actor, auditActor } from '../auth/actor';
import { cancelJob } from '../jobs/jobs';
import { recordAudit } from '../security/audit-log';

const pageCount = sql<number>`(select count(*) from pages p where p.source_id = "sources"."id")`.mapWith(Number);
const chunkCount = sql<number>`(select count(*) from chunks c where c.source_id = "sources"."id")`.mapWith(Number);
const codeExampleCount = sql<number>`(select count(*) from code_examples e where e.source_id = "sources"."id")`.mapWith(Number);

export const sourceColumns = {
  id: sources.id,
  kind: sources.kind,
  url: sources.url,
  title: sources.title,
  summary: sources.summary,
  knowledgeType: sources.knowledgeType,
  tags: sources.tags,
  crawlOptions: sources.crawlOptions,
  refreshInterval: sources.refreshInterval,
  nextRefreshAt: sources.nextRefreshAt,
  lastCrawledAt: sources.lastCrawledAt,
  createdBy: sources.createdBy,
  createdAt: sources.createdAt,
  updatedAt: sources.updatedAt,
  pageCount,
  chunkCount,
  codeExampleCount,
};
export type Source = Awaited<ReturnType<typeof getSource>>;

const SORT_KEYS: Record<SourceSort, SQL> = {
  title: sql`lower(${sources.title})`,
  pages: pageCount,
  chunks: chunkCount,
  codeExamples: codeExampleCount,
  lastCrawled: sql`${sources.lastCrawledAt}`,
  created: sql`${sources.createdAt}`,
};

/** The listing's order: the chosen key (never-crawled sources last either way), then title and id so pages never overlap. */
function sourceOrder(sort: SourceSort = 'title', direction = sort === 'title' ? 'asc' : 'desc'): SQL[] {
  const tail = [asc(sql`lower(${sources.title})`), asc(sources.id)];
  if (sort === 'title') return direction === 'asc' ? tail : [desc(sql`lower(${sources.title})`), desc(sources.id)];
  const key = SORT_KEYS[sort];
  return [direction === 'asc' ? sql`${key} asc nulls last` : sql`${key} desc nulls last`, ...tail];
}

export async function listSources(db: Database, input: ListSourcesInput): Promise<Page<Source>> {
  const text = input.query ? `%${escapeLike(input.query)}%` : undefined;
  const where = and(
    input.knowledgeType ? eq(sources.knowledgeType, input.knowledgeType) : undefined,
    input.kind ? eq(sources.kind, input.kind) : undefined,
    input.tags?.length
      ? sql`${sources.tags} && array[${sql.join(
          input.tags.map((t) => sql`${t}`),
          sql`, `,
        )}]::text[]`
      : undefined,
    text ? or(ilike(sources.title, text), ilike(sources.url, text), ilike(sources.summary, text)) : undefined,
  );
  const [items, [total]] = await Promise.all([
    db
      .select(sourceColumns)
      .from(sources)
      .where(where)
      .orderBy(...sourceOrder(input.sort, input.direction))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(sources).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

export async function getSource(db: Database, id: string) {
  const [row] = await db.select(sourceColumns).from(sources).where(eq(sources.id, id));
  if (!row) throw notFound('Source', id);
  return row;
}

const INTERVAL_MS: Record<Exclude<RefreshInterval, 'off'>, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
};

/** When a source with this interval is next due, counted from its last crawl (or now). */
export function nextRefresh(interval: RefreshInterval, from: Date | null, now = new Date()): Date | null {
  if (interval === 'off') return null;
  const base = from ?? now;
  return new Date(Math.max(base.getTime() + INTERVAL_MS[interval], now.getTime()));
}

/** Edits what people own: title, summary, tags, type and schedule. Crawls never overwrite an edited title or summary. */
export async function updateSource(db: Database, input: UpdateSourceInput) {
  const current = await getSource(db, input.id);
  // The scheduler re-crawls URL sources only: a schedule on an upload was stored and shown, and never ran.
  if (current.kind === 'upload' && input.refreshInterval !== undefined && input.refreshInterval !== 'off') {
    throw badRequest(`refreshInterval: source '${input.id}' was uploaded, and uploads are not refreshed; upload the files again to update it`, {
      field: 'refreshInterval',
    });
  }
  await db
    .update(sources)
    .set({
      ...(input.title !== undefined ? { title: input.title, titleEdited: true } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(input.knowledgeType !== undefined ? { knowledgeType: input.knowledgeType } : {}),
      // An empty summary hands it back to the next crawl or upload to write.
      ...(input.summary !== undefined ? { summary: input.summary, summaryEdited: input.summary !== '' } : {}),
      ...(input.refreshInterval !== undefined
        ? { refreshInterval: input.refreshInterval, nextRefreshAt: nextRefresh(input.refreshInterval, current.lastCrawledAt) }
        : {}),
      updatedAt: new Date(),
    })
    .where(eq(sources.id, input.id));
  return getSource(db, input.id);
}

/** Deletes a source with everything it holds; its running jobs are cancelled first. */
export async function deleteSource(db: Database, dispatch: Dispatch, id: string, actor?: Actor) {
  const source = await getSource(db, id);
  const active = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.sourceId, id), inArray(jobs.status, ['queued', 'running'])));
  for (const job of active) await cancelJob(db, dispatch, job.id).catch(() => {});
  await db.delete(sources).where(eq(sources.id, id));
  await recordAudit(db, {
    action: 'source.deleted',
    ...(actor ? auditActor(actor) : {}),
    target: source.id,
    details: { title: source.title, pages: source.pageCount, chunks: source.chunkCount },
  });
  return { id: source.id, pages: source.pageCount, chunks: source.chunkCount };
}

const chunkColumns = {
  id: chunks.id,
  sourceId: chunks.sourceId,
  pageId: chunks.pageId,
  chunkIndex: chunks.chunkIndex,
  headingPath: chunks.headingPath,
  content: chunks.content,
  context: chunks.context,
  // Characters as listPages and readPage count them (code points), not the UTF-16 units the chunker measured.
  charCount: sql<number>`char_length(${chunks.content})`.mapWith(Number),
  embeddingModel: chunks.embeddingModel,
  embeddingDim: chunks.embeddingDim,
  url: pages.url,
  pageTitle: pages.title,
};

/** The chunk browser: a source's or a page's chunks in document order. */
export async function listChunks(db: Database, input: ListChunksInput) {
  if (input.sourceId) await getSource(db, input.sourceId);
  const where = input.pageId ? eq(chunks.pageId, input.pageId) : eq(chunks.sourceId, input.sourceId!);
  const [items, [total]] = await Promise.all([
    db
      .select(chunkColumns)
      .from(chunks)
      .innerJoin(pages, eq(pages.id, chunks.pageId))
      .where(where)
      .orderBy(asc(pages.url), asc(chunks.chunkIndex))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(chunks).where(where),
  ]);
  if (input.pageId && items.length === 0 && (total?.n ?? 0) === 0) {
    const [page] = await db.select({ id: pages.id }).from(pages).where(eq(pages.id, input.pageId));
    if (!page) throw notFound('Page', input.pageId);
  }
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

/** Sources due for a scheduled refresh at `now`, oldest first. */
export async function dueSources(db: Database, now: Date, limit = 50) {
  return db
    .select({ id: sources.id, nextRefreshAt: sources.nextRefreshAt })
    .from(sources)
    .where(and(eq(sources.kind, 'url'), sql`${sources.refreshInterval} <> 'off'`, sql`${sources.nextRefreshAt} <= ${now.toISOString()}::timestamptz`))
    .orderBy(asc(sources.nextRefreshAt))
    .limit(limit);
}
