import { crawlFinalizeFn } from './crawl-finalize';
import { crawlPagesFn } from './crawl-pages';
import { crawlStart } from './crawl-start';
import { reembedFn } from './reembed';
import { refreshScheduler } from './refresh-scheduler';
import { uploadFileFn } from './upload-file';

/** Every Inngest function; the serve route and the local runner both use exactly this list. */
export const functions = [crawlStart, crawlPagesFn, crawlFinalizeFn, reembedFn, refreshScheduler, uploadFileFn];
