import { z } from 'zod';
import { JOB_KINDS, JOB_STATUSES } from '../../db/schema/jobs';
import { lastEventIdSchema, paginationSchema, sourceIdSchema, uuidSchema } from './common';

export const jobIdSchema = z.object({ id: uuidSchema });

export const listJobsSchema = paginationSchema
  .extend({
    status: z.union([z.enum(JOB_STATUSES), z.array(z.enum(JOB_STATUSES)).min(1).max(5)]).optional(),
    kind: z.enum(JOB_KINDS).optional(),
    sourceId: sourceIdSchema.optional(),
  })
  .prefault({});

/** Progress of one job, or of every job when `jobId` is absent. */
export const onJobProgressSchema = z.object({ jobId: uuidSchema.optional(), lastEventId: lastEventIdSchema }).default({});

export type ListJobsInput = z.infer<typeof listJobsSchema>;
