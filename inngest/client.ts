import { Inngest } from 'inngest';

/** The one Inngest client. Functions and typed events arrive with the crawl pipeline. */
export const inngest = new Inngest({ id: 'archon' });
