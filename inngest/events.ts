import { eventType } from 'inngest';
import { JOB_EVENT_SCHEMAS } from '../server/schemas/job-events';

/**
 * Typed events, named `…Event` (functions take their file's name); the schemas
 * are shared with the services that build them.
 */
export const crawlRequestedEvent = eventType('archon/crawl.requested', { schema: JOB_EVENT_SCHEMAS['archon/crawl.requested'] });
export const crawlPagesEvent = eventType('archon/crawl.pages', { schema: JOB_EVENT_SCHEMAS['archon/crawl.pages'] });
export const crawlFinalizeEvent = eventType('archon/crawl.finalize', { schema: JOB_EVENT_SCHEMAS['archon/crawl.finalize'] });
export const reembedRequestedEvent = eventType('archon/reembed.requested', { schema: JOB_EVENT_SCHEMAS['archon/reembed.requested'] });
export const uploadFileEvent = eventType('archon/upload.file', { schema: JOB_EVENT_SCHEMAS['archon/upload.file'] });
export const jobCancelledEvent = eventType('archon/job.cancelled', { schema: JOB_EVENT_SCHEMAS['archon/job.cancelled'] });

/** Stops a job's runs when it is cancelled. */
export const cancelOnJob = [{ event: jobCancelledEvent, if: 'async.data.jobId == event.data.jobId' }];
