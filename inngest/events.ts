import { eventType } from 'inngest';
import { JOB_EVENT_SCHEMAS } from '../server/schemas/job-events';

/** Typed events; the schemas are shared with the services that build them. */
export const crawlRequested = eventType('archon/crawl.requested', { schema: JOB_EVENT_SCHEMAS['archon/crawl.requested'] });
export const crawlPages = eventType('archon/crawl.pages', { schema: JOB_EVENT_SCHEMAS['archon/crawl.pages'] });
export const crawlFinalize = eventType('archon/crawl.finalize', { schema: JOB_EVENT_SCHEMAS['archon/crawl.finalize'] });
export const reembedRequested = eventType('archon/reembed.requested', { schema: JOB_EVENT_SCHEMAS['archon/reembed.requested'] });
export const uploadFile = eventType('archon/upload.file', { schema: JOB_EVENT_SCHEMAS['archon/upload.file'] });
export const jobCancelled = eventType('archon/job.cancelled', { schema: JOB_EVENT_SCHEMAS['archon/job.cancelled'] });

/** Stops a job's runs when it is cancelled. */
export const cancelOnJob = [{ event: jobCancelled, if: 'async.data.jobId == event.data.jobId' }];
