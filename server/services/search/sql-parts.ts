import { type SQL, sql } from 'drizzle-orm';
import type { SearchFilters } from '../../schemas/search';

/** Lexemes of a free-text query as a tsquery. */
const MAX_QUERY_TERMS = 64;

/**
 * The query's lexemes OR'ed together, so a question in natural language
 * matches documents containing some of its words; ranking then rewards
 * documents with more of them, close together, in titles and headings. Built
 * by Postgres itself from to_tsvector, so no user text reaches tsquery syntax.
 */
export function orTsQuery(text: string, configs: ('english' | 'simple')[] = ['english']): SQL {
  const lexemes = sql.join(
    configs.map((c) => sql`select lexeme, positions from unnest(to_tsvector(${sql.raw(`'${c}'`)}, ${text}))`),
    sql` union `,
  );
  return sql`(select to_tsquery('simple', coalesce(string_agg(quote_literal(t.lexeme), ' | '), ''))
    from (select lexeme from (${lexemes}) l order by cardinality(positions) desc, lexeme limit ${MAX_QUERY_TERMS}) t)`;
}

/** Weights of ts_rank_cd for D, C, B, A: body, context line, headings, title. */
export const RANK_WEIGHTS = sql.raw(`'{0.1, 0.3, 0.6, 1.0}'::float4[]`);

/** Filters on a table that has a `source_id` column; joins sources only when needed. */
export function sourceFilters(table: 'chunks' | 'code_examples', f: SearchFilters): { join: SQL; where: SQL } {
  const t = sql.raw(`"${table}"`);
  const needSources = Boolean(f.tags?.length || f.knowledgeType);
  const join = needSources ? sql`join sources s on s.id = ${t}.source_id` : sql``;
  const parts: SQL[] = [];
  if (f.sourceIds?.length) parts.push(sql`${t}.source_id in ${f.sourceIds}`);
  if (f.tags?.length)
    parts.push(
      sql`s.tags && ${sql`array[${sql.join(
        f.tags.map((x) => sql`${x}`),
        sql`, `,
      )}]::text[]`}`,
    );
  if (f.knowledgeType) parts.push(sql`s.knowledge_type = ${f.knowledgeType}`);
  return { join, where: parts.length ? sql` and ${sql.join(parts, sql` and `)}` : sql`` };
}
