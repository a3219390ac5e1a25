import { type SQL, sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, embeddingColumns, embeddingDimCheck, tsvector, updatedAt, vectorBacklogIndex } from './columns';

export const KNOWLEDGE_TYPES = ['technical', 'business'] as const;
export type KnowledgeType = (typeof KNOWLEDGE_TYPES)[number];
export const SOURCE_KINDS = ['url', 'upload'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** A crawled site or an uploaded document set. The id of a URL source is a hash of its canonical start URL. */
export const sources = pgTable(
  'sources',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<SourceKind>().notNull(),
    url: text('url'),
    title: text('title').notNull(),
    /** Set when a person renamed the source; crawls then never retitle it. */
    titleEdited: boolean('title_edited').notNull().default(false),
    summary: text('summary'),
    /** Set when a person wrote the summary; crawls and uploads then never rewrite it. */
    summaryEdited: boolean('summary_edited').notNull().default(false),
    knowledgeType: text('knowledge_type').$type<KnowledgeType>().notNull().default('technical'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    crawlOptions: jsonb('crawl_options').$type<Record<string, unknown>>().notNull().default({}),
    refreshInterval: text('refresh_interval').notNull().default('off'),
    nextRefreshAt: timestamp('next_refresh_at', { withTimezone: true }),
    lastCrawledAt: timestamp('last_crawled_at', { withTimezone: true }),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('sources_tags_idx').using('gin', t.tags),
    index('sources_next_refresh_idx').on(t.nextRefreshAt),
    check('sources_knowledge_type_check', sql`${t.knowledgeType} in ('technical', 'business')`),
    check('sources_kind_check', sql`${t.kind} in ('url', 'upload')`),
  ],
);

/** The full Markdown of one crawled page, one llms-full.txt section or one uploaded file. */
export const pages = pgTable(
  'pages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    title: text('title').notNull().default(''),
    content: text('content').notNull(),
    contentHash: text('content_hash').notNull(),
    charCount: integer('char_count').notNull(),
    wordCount: integer('word_count').notNull(),
    chunkCount: integer('chunk_count').notNull().default(0),
    /** Code examples the content yields, before copies repeated on other pages are removed; 0 when unknown (stored before it was counted). */
    codeExampleCount: integer('code_example_count').notNull().default(0),
    etag: text('etag'),
    lastModified: text('last_modified'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('pages_source_url_key').on(t.sourceId, t.url)],
);

/**
 * Retrieval units. Search weighs the page title (A) and heading path (B) above
 * the contextual line (C) and the body (D). Link targets are left out of the
 * body's lexemes: every page links to dozens of URLs, and their host and path
 * words would otherwise match everything.
 */
export const chunks = pgTable(
  'chunks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    pageId: uuid('page_id')
      .notNull()
      .references(() => pages.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull(),
    title: text('title').notNull().default(''),
    headingPath: jsonb('heading_path').$type<string[]>().notNull().default([]),
    content: text('content').notNull(),
    context: text('context'),
    charCount: integer('char_count').notNull(),
    contentHash: text('content_hash').notNull(),
    ...embeddingColumns(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${chunks.title}), 'A') || setweight(to_tsvector('english', ${chunks.headingPath}), 'B') || setweight(to_tsvector('english', coalesce(${chunks.context}, '')), 'C') || setweight(to_tsvector('english', regexp_replace(${chunks.content}, '\\]\\([^)]*\\)', ']', 'g')), 'D')`,
      ),
    createdAt: createdAt(),
  },
  (t) => [
    unique('chunks_page_index_key').on(t.pageId, t.chunkIndex),
    index('chunks_source_idx').on(t.sourceId),
    index('chunks_search_idx').using('gin', t.search),
    index('chunks_content_hash_idx').on(t.sourceId, t.contentHash),
    embeddingDimCheck('chunks_embedding_dim_check', t),
    vectorBacklogIndex('chunks_vector_backlog_idx', t),
  ],
);

export const codeExamples = pgTable(
  'code_examples',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    pageId: uuid('page_id')
      .notNull()
      .references(() => pages.id, { onDelete: 'cascade' }),
    exampleIndex: integer('example_index').notNull(),
    language: text('language').notNull().default(''),
    name: text('name').notNull().default(''),
    summary: text('summary').notNull().default(''),
    code: text('code').notNull(),
    headingPath: jsonb('heading_path').$type<string[]>().notNull().default([]),
    contentHash: text('content_hash').notNull(),
    ...embeddingColumns(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${codeExamples.name}), 'A') || setweight(to_tsvector('english', ${codeExamples.summary}), 'B') || setweight(to_tsvector('english', ${codeExamples.headingPath}), 'C') || setweight(to_tsvector('simple', ${codeExamples.code}), 'D')`,
      ),
    createdAt: createdAt(),
  },
  (t) => [
    unique('code_examples_page_index_key').on(t.pageId, t.exampleIndex),
    index('code_examples_source_idx').on(t.sourceId),
    index('code_examples_search_idx').using('gin', t.search),
    embeddingDimCheck('code_examples_embedding_dim_check', t),
    vectorBacklogIndex('code_examples_vector_backlog_idx', t),
  ],
);
