import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';
import { sources } from './knowledge';

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    githubRepo: text('github_repo'),
    pinned: boolean('pinned').notNull().default(false),
    features: jsonb('features').$type<unknown[]>().notNull().default([]),
    data: jsonb('data').$type<unknown[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('projects_pinned_title_idx').on(t.pinned, t.title)],
);

export const projectSources = pgTable(
  'project_sources',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    linkType: text('link_type').$type<'technical' | 'business'>().notNull().default('technical'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.sourceId] })],
);

/** Markdown documents of a project. `version` is the optimistic-concurrency token. */
export const projectDocuments = pgTable(
  'project_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    documentType: text('document_type').notNull().default('note'),
    content: text('content').notNull().default(''),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: text('status').notNull().default('draft'),
    author: text('author'),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('project_documents_project_idx').on(t.projectId)],
);

/**
 * Snapshots of a document (field 'document') or of a project's features/data.
 * Restore writes a 'backup' snapshot of the current content first.
 */
export const documentVersions = pgTable(
  'document_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id').references(() => projectDocuments.id, { onDelete: 'cascade' }),
    fieldName: text('field_name').$type<'document' | 'features' | 'data'>().notNull(),
    versionNumber: integer('version_number').notNull(),
    title: text('title'),
    content: jsonb('content').notNull(),
    changeType: text('change_type').$type<'create' | 'update' | 'restore' | 'backup' | 'manual'>().notNull(),
    changeSummary: text('change_summary'),
    createdBy: text('created_by').notNull().default('system'),
    createdAt: createdAt(),
  },
  (t) => [unique('document_versions_number_key').on(t.projectId, t.fieldName, t.documentId, t.versionNumber).nullsNotDistinct()],
);
