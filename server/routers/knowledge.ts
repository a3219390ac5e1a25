import { z } from 'zod';
import { sourceIdSchema } from '../schemas/common';
import { crawlInputSchema } from '../schemas/knowledge';
import { startCrawl } from '../services/crawl/start-crawl';
import { getSource, listSources } from '../services/sources';
import { readProcedure, router, writeProcedure } from '../trpc/init';

export const knowledgeRouter = router({
  /** Starts crawling a site; returns the queued job, whose progress `jobs.onProgress` streams. */
  crawl: writeProcedure.input(crawlInputSchema).mutation(({ ctx, input }) => startCrawl(ctx.db, ctx.dispatch, input)),
  sources: readProcedure.query(({ ctx }) => listSources(ctx.db)),
  source: readProcedure.input(z.object({ id: sourceIdSchema })).query(({ ctx, input }) => getSource(ctx.db, input.id)),
});
