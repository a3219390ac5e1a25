import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';

/**
 * Events received by the local runner (the embedded stand-in for an Inngest
 * server). `event_id` dedupes re-sent events, as Inngest does.
 */
export const runnerEvents = pgTable('runner_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  eventId: text('event_id').notNull().unique(),
  name: text('name').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  ts: bigint('ts', { mode: 'number' }).notNull(),
  createdAt: createdAt(),
});

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * One function run driven by the local runner. `steps` is the memo the SDK
 * replays (hashed step id → data or error); a run is claimed by leasing it.
 */
export const runnerRuns = pgTable(
  'runner_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    functionId: text('function_id').notNull(),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<RunStatus>().notNull().default('queued'),
    steps: jsonb('steps').$type<Record<string, unknown>>().notNull().default({}),
    stack: jsonb('stack').$type<string[]>().notNull().default([]),
    attempt: integer('attempt').notNull().default(0),
    concurrencyKey: text('concurrency_key'),
    concurrencyLimit: integer('concurrency_limit'),
    nextAt: timestamp('next_at', { withTimezone: true }).notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    output: jsonb('output'),
    error: jsonb('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('runner_runs_due_idx').on(t.nextAt).where(sql`${t.status} in ('queued', 'running')`),
    index('runner_runs_concurrency_idx').on(t.concurrencyKey).where(sql`${t.status} = 'running'`),
    index('runner_runs_function_idx').on(t.functionId, t.status),
  ],
);
