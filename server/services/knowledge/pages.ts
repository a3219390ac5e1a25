import { and, asc, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { pages } from '../../../db/schema';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { badRequest, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import { getSource } from './sources';

const pageSummary = {
  id: pages.id,
  sourceId: pages.sourceId,
  url: pages.url,
  title: pages.title,
  // Characters as PostgreSQL counts them (code points), as readPage's offsets and total do: the stored count was taken in
  // UTF-16 units by some writers, so an emoji counted twice in the list and once when the page was read.
  charCount: sql<number>`char_length(${pages.content})`.mapWith(Number),
  wordCount: pages.wordCount,
  chunkCount: pages.chunkCount,
  fetchedAt: pages.fetchedAt,
  updatedAt: pages.updatedAt,
};
export type PageSummary = { [K in keyof typeof pageSummary]: (typeof pages.$inferSelect)[K] };

export async function listPages(
  db: Database,
  input: { sourceId: string; query?: string; limit: number; offset: number },
): Promise<Page<PageSummary>> {
  await getSource(db, input.sourceId);
  const text = input.query ? `%${escapeLike(input.query)}%` : undefined;
  // An uploaded file's page URL escapes its name (file://My%20Notes.md); the name as typed is in its metadata.
  const fileName = sql<string>`${pages.metadata}->>'fileName'`;
  const where = and(
    eq(pages.sourceId, input.sourceId),
    text ? or(ilike(pages.title, text), ilike(pages.url, text), ilike(fileName, text)) : undefined,
  );
  const [items, [total]] = await Promise.all([
    db.select(pageSummary).from(pages).where(where).orderBy(asc(pages.url)).limit(input.limit).offset(input.offset),
    db.select({ n: count() }).from(pages).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

/**
 * A page's full Markdown, at most `maxChars` of it from `offset`. A longer page
 * says so plainly and where to continue, rather than flooding an agent's context.
 */
export async function readPage(db: Database, input: { pageId?: string; url?: string; sourceId?: string; offset: number; maxChars: number }) {
  // Offsets count characters as Postgres does (code points), the same way on every call.
  const find = (where: SQL | undefined) =>
    db
      .select({
        ...pageSummary,
        content: sql<string>`substr(${pages.content}, ${input.offset + 1}, ${input.maxChars})`,
        returned: sql<number>`char_length(substr(${pages.content}, ${input.offset + 1}, ${input.maxChars}))`.mapWith(Number),
      })
      .from(pages)
      .where(where)
      .orderBy(asc(pages.sourceId))
      .limit(2);
  const byUrl = (url: string) => and(eq(pages.url, url), input.sourceId ? eq(pages.sourceId, input.sourceId) : undefined);
  let url = input.url;
  let found = await find(input.pageId ? eq(pages.id, input.pageId) : byUrl(url!));
  // Pages are stored without a fragment (crawls drop it, uploads escape '#'), and search results link a passage's section
  // by one; only an llms-full.txt section is stored with its own (#section-…), so the URL as given is tried first.
  if (found.length === 0 && url?.includes('#')) {
    url = url.replace(/#.*$/s, '');
    found = await find(byUrl(url));
  }
  const [row, ...others] = found;
  if (!row) throw notFound('Page', input.pageId ?? input.url!);
  if (others.length > 0) {
    // Two sources crawled the same address; picking one silently could show the wrong version.
    const sources = [row, ...others].map((p) => p.sourceId).join(', ');
    throw badRequest(`${url} is in several sources (${sources}); give sourceId, or read by pageId`, { field: 'sourceId' });
  }
  const { returned, ...page } = row;
  const total = page.charCount;
  const end = input.offset + returned;
  const truncated = end < total;
  return {
    ...page,
    offset: input.offset,
    truncated,
    notice: truncated
      ? `This page has ${total} characters; this is ${input.offset}–${end}. Read on with offset ${end}, or search for the section you need.`
      : null,
  };
}
