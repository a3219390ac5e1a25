import { asc, desc, eq, sql } from 'drizzle-orm';
import { jobs, pages, sources } from '../../../db/schema';
import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import { leadParagraphs } from './prose-text';
import type { Summarizer } from './summarizer';
import { SOURCE_SUMMARY_CHARS } from './summarizer';

// Archon v1 gave the model the first three chunks; the first pages serve the same end.
const PAGES_READ = 3;
const PAGE_CHARS = 20_000;
const MODEL_TEXT_CHARS = 15_000;

/**
 * Computes and stores a source's summary after a crawl or upload: a chat
 * model's few sentences when one is configured and answers, else the opening
 * paragraphs of the source's main page (the start URL, else its first page)
 * as plain text. Returns the stored summary; null when the source is gone,
 * has no pages yet (nothing is changed), or its pages have no prose. A
 * summary a person wrote is kept as it is.
 */
export async function summarizeSource(
  db: Database,
  sourceId: string,
  deps: { summarizer: Summarizer | null; logger?: Logger; signal?: AbortSignal },
): Promise<string | null> {
  const [source] = await db
    .select({ title: sources.title, url: sources.url, summary: sources.summary, edited: sources.summaryEdited })
    .from(sources)
    .where(eq(sources.id, sourceId));
  if (!source) return null;
  // A person wrote it (knowledge.updateSource): theirs stands.
  if (source.edited) return source.summary;
  const rows = await db
    .select({
      title: pages.title,
      content: sql<string>`left(${pages.content}, ${PAGE_CHARS})`,
      description: sql<string | null>`${pages.metadata}->>'description'`,
    })
    .from(pages)
    .where(eq(pages.sourceId, sourceId))
    .orderBy(
      // The page the crawl started from introduces the rest; otherwise the first stored.
      ...(source.url ? [desc(sql`${pages.url} = ${source.url}`)] : []),
      asc(pages.createdAt),
      asc(sql`length(${pages.url})`),
      asc(pages.url),
    )
    .limit(PAGES_READ);
  if (rows.length === 0) return null;

  let summary: string | null = null;
  if (deps.summarizer) {
    const text = rows
      .map((p) => `# ${p.title}\n\n${p.content}`)
      .join('\n\n')
      .slice(0, MODEL_TEXT_CHARS);
    try {
      summary = await deps.summarizer.summarizeSource(source.title, text, { signal: deps.signal });
    } catch (err) {
      if (deps.signal?.aborted) throw err;
      deps.logger?.warn('summarising a source failed; using its opening paragraphs', { sourceId, error: err as Error });
    }
  }
  // A page that is all headings and code still often carries a meta description.
  summary ||=
    rows.map((p) => leadParagraphs(p.content, SOURCE_SUMMARY_CHARS) || leadParagraphs(p.description ?? '', SOURCE_SUMMARY_CHARS)).find(Boolean) ||
    null;
  await db.update(sources).set({ summary }).where(eq(sources.id, sourceId));
  return summary;
}

/** Summarises the source a crawl or upload job filled, once its pages are in. */
export async function summarizeJobSource(
  deps: { db: Database; summarizer: Summarizer | null; logger?: Logger },
  jobId: string,
): Promise<string | null> {
  const [job] = await deps.db.select({ sourceId: jobs.sourceId }).from(jobs).where(eq(jobs.id, jobId));
  return job?.sourceId ? summarizeSource(deps.db, job.sourceId, { summarizer: deps.summarizer, logger: deps.logger }) : null;
}
