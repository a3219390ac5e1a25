import { z } from 'zod';
import { sourceIdSchema } from '../schemas/common';
import { crawlInputSchema } from '../schemas/knowledge';
import { listPagesSchema, readPageSchema, searchCodeInputSchema, searchInputSchema } from '../schemas/search';
import { listPages, readPage } from '../services/pages';
import { searchCode } from '../services/search/search-code';
import { searchKnowledge } from '../services/search/search-knowledge';
import { startCrawl } from '../services/crawl/start-crawl';
import { getSource, listSources } from '../services/sources';
import { readProcedure, router, writeProcedure } from '../trpc/init';

export const knowledgeRouter = router({
  /** Starts crawling a site; returns the queued job, whose progress `jobs.onProgress` streams. */
  crawl: writeProcedure.input(crawlInputSchema).mutation(({ ctx, input }) => startCrawl(ctx.db, ctx.dispatch, input)),
  sources: readProcedure.query(({ ctx }) => listSources(ctx.db)),
  source: readProcedure.input(z.object({ id: sourceIdSchema })).query(({ ctx, input }) => getSource(ctx.db, input.id)),
  /** Hybrid (default), vector or full-text search over chunks, as chunks or grouped by page. */
  search: readProcedure.input(searchInputSchema).query(({ ctx, input }) => searchKnowledge(ctx.search, input)),
  searchCode: readProcedure.input(searchCodeInputSchema).query(({ ctx, input }) => searchCode(ctx.search, input)),
  listPages: readProcedure.input(listPagesSchema).query(({ ctx, input }) => listPages(ctx.db, input)),
  readPage: readProcedure.input(readPageSchema).query(({ ctx, input }) => readPage(ctx.db, input)),
});
