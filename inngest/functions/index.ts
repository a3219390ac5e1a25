import { crawlFinalize } from './crawl-finalize';
import { crawlPages } from './crawl-pages';
import { crawlStart } from './crawl-start';
import { reembed } from './reembed';
import { refreshScheduler } from './refresh-scheduler';
import { uploadFile } from './upload-file';

/**
 * Every Inngest function, each exported under its file's name; the serve route and the local runner both use exactly this list.
 * Their ids (`archon-<id>` on an Inngest server) are stored with every run, so they never change; the names are what the
 * Inngest dashboard shows (test/e2e/inngest-protocol.test.ts holds both).
 */
export const functions = [crawlStart, crawlPages, crawlFinalize, reembed, refreshScheduler, uploadFile];
