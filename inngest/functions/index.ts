import { crawlFinalizeFn } from './crawl-finalize';
import { crawlPagesFn } from './crawl-pages';
import { crawlStart } from './crawl-start';

/** Every Inngest function; the serve route and the local runner both use exactly this list. */
export const functions = [crawlStart, crawlPagesFn, crawlFinalizeFn];
