import { and, asc, count, desc, eq, ilike, inArray, or } from 'drizzle-orm';
import { codeExamples, pages } from '../../../db/schema';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import type { Page } from '../../schemas/common';
import type { ListCodeExamplesInput } from '../../schemas/sources';
import { languageNames } from '../ingest/detect-language';
import { getSource } from './sources';

const exampleColumns = {
  id: codeExamples.id,
  sourceId: codeExamples.sourceId,
  pageId: codeExamples.pageId,
  exampleIndex: codeExamples.exampleIndex,
  language: codeExamples.language,
  name: codeExamples.name,
  summary: codeExamples.summary,
  code: codeExamples.code,
  headingPath: codeExamples.headingPath,
  url: pages.url,
  pageTitle: pages.title,
};
type Row = typeof codeExamples.$inferSelect;
export type CodeExampleItem = { [K in Exclude<keyof typeof exampleColumns, 'url' | 'pageTitle'>]: Row[K] } & { url: string; pageTitle: string };

/**
 * The code-example browser: a source's examples in document order, filtered
 * by language and by text in the name, summary or code, with the languages the
 * source holds (and how many of each) for the filter's choices.
 */
export async function listCodeExamples(
  db: Database,
  input: ListCodeExamplesInput,
): Promise<Page<CodeExampleItem> & { languages: { language: string; count: number }[] }> {
  await getSource(db, input.sourceId);
  const text = input.query ? `%${escapeLike(input.query)}%` : undefined;
  const inSource = eq(codeExamples.sourceId, input.sourceId);
  const where = and(
    inSource,
    input.language !== undefined ? inArray(codeExamples.language, languageNames(input.language)) : undefined,
    text ? or(ilike(codeExamples.name, text), ilike(codeExamples.summary, text), ilike(codeExamples.code, text)) : undefined,
  );
  const [items, [total], languages] = await Promise.all([
    db
      .select(exampleColumns)
      .from(codeExamples)
      .innerJoin(pages, eq(pages.id, codeExamples.pageId))
      .where(where)
      .orderBy(asc(pages.url), asc(codeExamples.exampleIndex))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(codeExamples).where(where),
    db
      .select({ language: codeExamples.language, count: count() })
      .from(codeExamples)
      .where(inSource)
      .groupBy(codeExamples.language)
      .orderBy(desc(count()), asc(codeExamples.language)),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset, languages };
}
