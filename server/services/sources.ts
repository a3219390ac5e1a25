import { asc, count, eq, sql } from 'drizzle-orm';
import { chunks, codeExamples, pages, sources } from '../../db/schema';
import type { Database } from '../../db/types';
import { notFound } from '../errors';

const pageCount = sql<number>`(select count(*) from ${pages} where ${pages.sourceId} = "sources"."id")`.mapWith(Number);
const chunkCount = sql<number>`(select count(*) from ${chunks} where ${chunks.sourceId} = "sources"."id")`.mapWith(Number);
const codeExampleCount = sql<number>`(select count(*) from ${codeExamples} where ${codeExamples.sourceId} = "sources"."id")`.mapWith(Number);

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
  lastCrawledAt: sources.lastCrawledAt,
  createdAt: sources.createdAt,
  updatedAt: sources.updatedAt,
  pageCount,
  chunkCount,
  codeExampleCount,
};

export async function listSources(db: Database) {
  return db.select(sourceColumns).from(sources).orderBy(asc(sql`lower(${sources.title})`), asc(sources.id));
}

export async function getSource(db: Database, id: string) {
  const [row] = await db.select(sourceColumns).from(sources).where(eq(sources.id, id));
  if (!row) throw notFound('Source', id);
  return row;
}

export async function countSources(db: Database) {
  const [row] = await db.select({ n: count() }).from(sources);
  return row?.n ?? 0;
}
