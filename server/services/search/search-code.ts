import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/sql';
import type { SearchCodeInput } from '../../schemas/search';
import { languageNames } from '../ingest/detect-language';
import { fusedSearch } from './fused-query';
import { anchorUrl, type ScoreParts, scoreParts } from './hits';
import { embedQuery, hasSearchableText, highlightTerms, resolveFusion, type SearchDeps } from './search-knowledge';

export type CodeHit = {
  id: number;
  language: string;
  name: string;
  summary: string;
  code: string;
  url: string;
  pageId: string;
  pageTitle: string;
  headingPath: string[];
  sourceId: string;
  sourceTitle: string;
  score: ScoreParts;
};

type Row = {
  id: string | number;
  language: string;
  name: string;
  summary: string;
  code: string;
  heading_path: string[];
  page_id: string;
  url: string;
  page_title: string;
  anchors: { id: string; text: string; level: number }[] | null;
  source_id: string;
  source_title: string;
};

const CODE_CANDIDATES = 100;

/** Hybrid search over code examples: their code, name and summary. */
export async function searchCode(deps: SearchDeps, input: SearchCodeInput): Promise<{ results: CodeHit[]; warnings: string[]; terms?: string[] }> {
  const warnings: string[] = [];
  if (!hasSearchableText(input.query)) return { results: [], warnings: ['the query has no letters or digits to search for'] };
  const vector = await embedQuery(deps, input.query, input.mode, warnings);
  const rows = await fusedSearch(deps.db, {
    table: 'code_examples',
    text: input.query,
    vector,
    model: deps.embedder.model,
    useVector: input.mode !== 'fulltext',
    useText: input.mode !== 'vector',
    // Fixed, so that the head of the results does not depend on `limit` (at most 50).
    candidates: CODE_CANDIDATES,
    limit: input.limit,
    fusion: resolveFusion(deps.embedder, input.fusion),
    filters: input,
    extraWhere: input.language ? sql`"code_examples".language in ${languageNames(input.language)}` : undefined,
  });
  if (rows.length === 0) return { results: [], warnings };
  const details = await queryRows<Row>(
    deps.db,
    sql`select e.id, e.language, e.name, e.summary, e.code, e.heading_path, e.page_id, p.url, p.title as page_title,
               p.metadata->'anchors' as anchors, e.source_id, s.title as source_title
        from code_examples e join pages p on p.id = e.page_id join sources s on s.id = e.source_id
        where e.id in ${rows.map((r) => r.id)}`,
  );
  const byId = new Map(details.map((d) => [Number(d.id), d]));
  const results = rows.flatMap((r): CodeHit[] => {
    const d = byId.get(r.id);
    if (!d) return [];
    return [
      {
        id: r.id,
        language: d.language,
        name: d.name,
        summary: d.summary,
        code: d.code,
        url: anchorUrl(d.url, d.heading_path, d.anchors),
        pageId: d.page_id,
        pageTitle: d.page_title,
        headingPath: d.heading_path,
        sourceId: d.source_id,
        sourceTitle: d.source_title,
        score: scoreParts(r),
      },
    ];
  });
  const terms = input.highlight
    ? await highlightTerms(deps.db, input.query, () => results.flatMap((r) => [r.name, r.summary, r.code, ...r.headingPath]))
    : {};
  return { results, warnings, ...terms };
}
