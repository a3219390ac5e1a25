// The search's state lives in the URL (?q=…&mode=…&source=…), so a search can
// be shared, survives a reload, and the back button steps through searches.
// Anything unknown or malformed in the URL falls back to the default.

export const SEARCH_MODES = ['hybrid', 'vector', 'fulltext'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export const MODE_LABELS: Record<SearchMode, string> = { hybrid: 'Hybrid', vector: 'Vector', fulltext: 'Full text' };

export const KNOWLEDGE_TYPES = ['technical', 'business'] as const;
export type KnowledgeType = (typeof KNOWLEDGE_TYPES)[number];
export const TYPE_LABELS: Record<KnowledgeType, string> = { technical: 'Technical', business: 'Business' };

export type SearchTab = 'docs' | 'code';
export type ReturnMode = 'chunks' | 'pages';

export type SearchState = {
  q: string;
  tab: SearchTab;
  mode: SearchMode;
  returnMode: ReturnMode;
  sources: string[];
  tags: string[];
  type: KnowledgeType | null;
};

/** As the server accepts them (server/schemas/search.ts): the query's length, and at most 100 sources and 50 tags. */
export const MAX_QUERY = 2000;
const MAX_SOURCES = 100;
const MAX_TAGS = 50;

export const DEFAULT_STATE: SearchState = { q: '', tab: 'docs', mode: 'hybrid', returnMode: 'chunks', sources: [], tags: [], type: null };

const oneOf = <T extends string>(values: readonly T[], v: string | null, fallback: T): T => (values.includes(v as T) ? (v as T) : fallback);

const list = (params: URLSearchParams, key: string, max: number, valid: (s: string) => boolean) =>
  [...new Set(params.getAll(key).map((s) => s.trim()))].filter((s) => s && valid(s)).slice(0, max);

export function parseSearch(params: URLSearchParams): SearchState {
  return {
    q: (params.get('q') ?? '').slice(0, MAX_QUERY),
    tab: params.get('tab') === 'code' ? 'code' : 'docs',
    mode: oneOf(SEARCH_MODES, params.get('mode'), 'hybrid'),
    returnMode: params.get('return') === 'pages' ? 'pages' : 'chunks',
    sources: list(params, 'source', MAX_SOURCES, (s) => s.length <= 200 && /^[A-Za-z0-9._:-]+$/.test(s)),
    tags: list(params, 'tag', MAX_TAGS, (s) => s.length <= 64 && !/[\r\n\0]/.test(s)),
    type: KNOWLEDGE_TYPES.includes(params.get('type') as KnowledgeType) ? (params.get('type') as KnowledgeType) : null,
  };
}

/** The query string for a state, leaving defaults out so URLs stay short. */
export function serializeSearch(s: SearchState): string {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set('q', s.q.trim());
  if (s.tab === 'code') p.set('tab', 'code');
  if (s.mode !== 'hybrid') p.set('mode', s.mode);
  if (s.returnMode === 'pages' && s.tab === 'docs') p.set('return', 'pages');
  for (const id of s.sources) p.append('source', id);
  for (const tag of s.tags) p.append('tag', tag);
  if (s.type) p.set('type', s.type);
  return p.toString();
}

export const filtersActive = (s: SearchState) => s.sources.length > 0 || s.tags.length > 0 || s.type !== null;

/** The filters as knowledge.search and searchCode take them (an empty list is left out: the server refuses it). */
export const searchFilters = (s: SearchState) => ({
  ...(s.sources.length ? { sourceIds: s.sources } : {}),
  ...(s.tags.length ? { tags: s.tags } : {}),
  ...(s.type ? { knowledgeType: s.type } : {}),
});
