import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../db/schema/tasks';
import { int4Schema, lastEventIdSchema, paginationSchema, sourceIdSchema, textSchema, titleSchema, uuidSchema } from './common';

export const taskStatusSchema = z.enum(TASK_STATUSES);
export const taskPrioritySchema = z.enum(TASK_PRIORITIES);

const linksSchema = {
  sourceIds: z.array(sourceIdSchema).max(100).optional(),
  codeExampleIds: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).max(100).optional(),
};

export const createTaskSchema = z.object({
  projectId: uuidSchema,
  parentId: uuidSchema.nullish(),
  title: titleSchema(500),
  description: textSchema(100_000).default(''),
  status: taskStatusSchema.default('todo'),
  assignee: titleSchema(100).default('User'),
  priority: taskPrioritySchema.default('medium'),
  feature: titleSchema(100).nullish(),
  ...linksSchema,
});

const taskFields = {
  title: titleSchema(500).optional(),
  description: textSchema(100_000).optional(),
  assignee: titleSchema(100).optional(),
  priority: taskPrioritySchema.optional(),
  feature: titleSchema(100).nullable().optional(),
  ...linksSchema,
};

export const updateTaskSchema = z
  .object({
    id: uuidSchema,
    /** When given, the update fails with CONFLICT if someone else changed the task since. */
    expectedVersion: int4Schema.optional(),
    status: taskStatusSchema.optional(),
    ...taskFields,
  })
  .refine((v) => Object.entries(v).some(([k, val]) => !['id', 'expectedVersion'].includes(k) && val !== undefined), { message: 'nothing to update' });

/** Drop a task into a column, right after `afterId` or right before `beforeId`; neither means the end. */
export const moveTaskSchema = z.object({
  id: uuidSchema,
  status: taskStatusSchema,
  afterId: uuidSchema.nullish(),
  beforeId: uuidSchema.nullish(),
  expectedVersion: int4Schema.optional(),
});

/**
 * Fields and a move at once, in one transaction and as one version: a move
 * refused (a bad anchor) writes nothing. The same status with no place keeps
 * the task where it is.
 */
export const editTaskSchema = z.object({
  id: uuidSchema,
  expectedVersion: int4Schema.optional(),
  changes: z.object(taskFields).optional(),
  move: z.object({ status: taskStatusSchema, afterId: uuidSchema.nullish(), beforeId: uuidSchema.nullish() }).optional(),
});

export const taskIdSchema = z.object({ id: uuidSchema });
export const archiveTaskSchema = z.object({ id: uuidSchema, archivedBy: titleSchema(100).default('User') });

export const listTasksSchema = paginationSchema
  .extend({
    projectId: uuidSchema.optional(),
    status: z.union([taskStatusSchema, z.array(taskStatusSchema).min(1).max(4)]).optional(),
    assignee: titleSchema(100).optional(),
    query: textSchema(200).trim().optional(),
    /** A task id lists its subtasks; null lists top-level tasks only. */
    parentId: uuidSchema.nullable().optional(),
    feature: titleSchema(100).optional(),
    includeArchived: z.boolean().default(false),
  })
  .prefault({});

export const taskCountsSchema = z.object({ projectId: uuidSchema.optional() }).default({});

export const onTaskChangeSchema = z.object({
  projectId: uuidSchema,
  lastEventId: lastEventIdSchema,
});

/** Every task of a project for the board and the table (tasks.board). */
export const boardTasksSchema = z.object({ projectId: uuidSchema, includeArchived: z.boolean().default(false) });

/** A task's change history, newest first; `before` pages back from an entry id. */
export const taskHistorySchema = z.object({
  id: uuidSchema,
  limit: z.number().int().min(1).max(200).default(50),
  before: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

export type CreateTaskInput = z.infer<typeof createTaskSchema>;
export type UpdateTaskInput = z.infer<typeof updateTaskSchema>;
export type MoveTaskInput = z.infer<typeof moveTaskSchema>;
export type ListTasksInput = z.infer<typeof listTasksSchema>;
