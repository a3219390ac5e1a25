import { z } from 'zod';

/**
 * Events that start and steer background work. Services build them and hand
 * them to a `Dispatch`; the Inngest layer wraps the same schemas with
 * `eventType`, so services never import Inngest. Payloads carry ids only.
 */
export const JOB_EVENT_SCHEMAS = {
  'archon/crawl.requested': z.object({ jobId: z.uuid() }),
  'archon/crawl.pages': z.object({ jobId: z.uuid(), urlIds: z.array(z.number().int().positive()).min(1).max(100) }),
  'archon/crawl.finalize': z.object({ jobId: z.uuid() }),
  'archon/job.cancelled': z.object({ jobId: z.uuid() }),
  'archon/reembed.requested': z.object({ jobId: z.uuid() }),
  'archon/upload.file': z.object({ jobId: z.uuid(), fileId: z.uuid() }),
} as const;

export type JobEventName = keyof typeof JOB_EVENT_SCHEMAS;
export type JobEvent = {
  [N in JobEventName]: { name: N; data: z.infer<(typeof JOB_EVENT_SCHEMAS)[N]>; id?: string };
}[JobEventName];

/** Queues background work; rejects when the executor cannot accept it. */
export type Dispatch = (events: JobEvent | JobEvent[]) => Promise<void>;
