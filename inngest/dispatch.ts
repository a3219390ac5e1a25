import { inngest } from './client';
import { sendEventsWith } from './send-events';

/** Queues background jobs: Archon's Inngest client, to an Inngest server or the local runner. */
export const dispatch = sendEventsWith(inngest);
