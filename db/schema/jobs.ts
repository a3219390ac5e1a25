import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';
import { sources } from './knowledge';

export const JOB_KINDS = ['crawl', 'upload', 'refresh', 'reembed'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** One ingestion job. Counters are updated in place; history lives in job_events. */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').$type<JobKind>().notNull(),
    status: text('status').$type<JobStatus>().notNull().default('queued'),
    sourceId: text('source_id').references(() => sources.id, { onDelete: 'set null' }),
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default({}),
    pagesDiscovered: integer('pages_discovered').notNull().default(0),
    pagesFetched: integer('pages_fetched').notNull().default(0),
    pagesSkipped: integer('pages_skipped').notNull().default(0),
    pagesFailed: integer('pages_failed').notNull().default(0),
    chunksStored: integer('chunks_stored').notNull().default(0),
    embeddingsDone: integer('embeddings_done').notNull().default(0),
    embeddingsFailed: integer('embeddings_failed').notNull().default(0),
    error: text('error'),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    /** When the last progress event was written; progress events are throttled per job. */
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_status_idx').on(t.status, t.createdAt),
    index('jobs_source_idx').on(t.sourceId),
    check('jobs_kind_check', sql`${t.kind} in ('crawl', 'upload', 'refresh', 'reembed')`),
    check('jobs_status_check', sql`${t.status} in ('queued', 'running', 'completed', 'failed', 'cancelled')`),
  ],
);

/** Append-only progress log. Ids increase in commit order (see server/services/jobs/job-progress.ts). */
export const jobEvents = pgTable(
  'job_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('job_events_job_idx').on(t.jobId, t.id)],
);
