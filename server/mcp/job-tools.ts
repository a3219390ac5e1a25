import { z } from 'zod';
import { JOB_KINDS, JOB_STATUSES } from '../../db/schema/jobs';
import { sourceIdSchema, uuidSchema } from '../schemas/common';
import { describeJob, jobSummary, jobSummarySchema } from './progress';
import { defineTool, READ_ONLY, type ToolDef, WRITES } from './tool';

const getJob = defineTool({
  name: 'get_job',
  access: 'read',
  description: 'A crawl, upload or refresh job: status and counters.',
  input: z.strictObject({ job_id: uuidSchema }),
  output: z.object({ job: jobSummarySchema }),
  aliases: { id: 'job_id' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const job = jobSummary(await backend.getJob({ id: args.job_id }));
    return { data: { job }, text: describeJob(job) };
  },
});

const listJobs = defineTool({
  name: 'list_jobs',
  access: 'read',
  description: 'Jobs, newest first.',
  input: z.strictObject({
    status: z.enum(JOB_STATUSES).optional(),
    kind: z.enum(JOB_KINDS).optional(),
    source_id: sourceIdSchema.optional(),
    limit: z.number().int().min(1).max(100).default(20),
    offset: z.number().int().min(0).default(0),
  }),
  output: z.object({ jobs: z.array(jobSummarySchema), total: z.number() }),
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const page = await backend.listJobs({ status: args.status, kind: args.kind, sourceId: args.source_id, limit: args.limit, offset: args.offset });
    const jobs = page.items.map(jobSummary);
    return {
      data: { jobs, total: page.total },
      text: [`${jobs.length} of ${page.total} job(s):`, ...jobs.map((j) => `- ${describeJob(j)}`)].join('\n'),
    };
  },
});

const cancelJob = defineTool({
  name: 'cancel_job',
  access: 'write',
  description: 'Stop a running job; what it stored so far stays.',
  input: z.strictObject({ job_id: uuidSchema }),
  output: z.object({ job: jobSummarySchema }),
  aliases: { id: 'job_id' },
  annotations: WRITES,
  run: async (args, { backend }) => {
    const job = jobSummary(await backend.cancelJob({ id: args.job_id }));
    return { data: { job }, text: describeJob(job) };
  },
});

export const jobTools: ToolDef[] = [getJob, listJobs, cancelJob];
