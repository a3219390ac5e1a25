import { crawlInputSchema } from '../schemas/knowledge';
import { listPagesSchema, readPageSchema, searchCodeInputSchema, searchInputSchema } from '../schemas/search';
import {
  listChunksSchema,
  listCodeExamplesSchema,
  listSourcesSchema,
  sourceIdInputSchema,
  sourceStatusesSchema,
  updateSourceSchema,
  uploadFilesSchema,
} from '../schemas/sources';
import { uploadInputSchema } from '../schemas/uploads';
import { actorId } from '../services/auth/principal';
import { startCrawl, startRefresh } from '../services/crawl/start-crawl';
import { embeddingStatus, startReembed } from '../services/ingest/reembed';
import { listCodeExamples } from '../services/knowledge/code-examples';
import { listPages, readPage } from '../services/knowledge/pages';
import { sourceStatuses, sourceTags } from '../services/knowledge/source-status';
import { deleteSource, getSource, listChunks, listSources, updateSource } from '../services/knowledge/sources';
import { listUploadFiles } from '../services/knowledge/upload-files';
import { searchCode } from '../services/search/search-code';
import { searchKnowledge } from '../services/search/search-knowledge';
import { inMemoryFile, startUpload } from '../services/uploads/start-upload';
import { rateLimit, readProcedure, router, writeProcedure } from '../trpc/init';

export const knowledgeRouter = router({
  /** Starts crawling a site; returns the queued job, whose progress `jobs.onProgress` streams. */
  crawl: writeProcedure
    .use(rateLimit('crawl'))
    .input(crawlInputSchema)
    .mutation(({ ctx, input }) => startCrawl(ctx.db, ctx.dispatch, input, actorId(ctx.actor.principal))),
  /** Uploads files (base64) into a new source, or into an earlier upload's; returns the job, whose progress `jobs.onProgress` streams. */
  upload: writeProcedure
    .use(rateLimit('upload'))
    .input(uploadInputSchema)
    .mutation(({ ctx, input }) => {
      const { files, ...meta } = input;
      return startUpload(
        ctx.db,
        ctx.dispatch,
        files.map((f) => inMemoryFile(f.name, Buffer.from(f.contentBase64, 'base64'))),
        meta,
        { maxFileBytes: ctx.runtime.config.UPLOAD_MAX_FILE_BYTES, maxFiles: ctx.runtime.config.UPLOAD_MAX_FILES },
        actorId(ctx.actor.principal),
      );
    }),
  /** Re-crawls a source with its own options: unchanged pages are skipped, vanished ones removed. Counts as a crawl against the rate limit. */
  refresh: writeProcedure
    .use(rateLimit('crawl'))
    .input(sourceIdInputSchema)
    .mutation(({ ctx, input }) => startRefresh(ctx.db, ctx.dispatch, input.id, actorId(ctx.actor.principal))),
  /** Embeds again what a previous model or dimension embedded, or what failed. */
  reembed: writeProcedure.mutation(({ ctx }) => startReembed(ctx.db, ctx.dispatch, ctx.runtime.ingest.embedder, actorId(ctx.actor.principal))),
  /** The configured embedding model, how many rows another model embedded (or none did), and the re-embedding job. */
  embeddingStatus: readProcedure.query(({ ctx }) => embeddingStatus(ctx.db, ctx.runtime.ingest.embedder)),
  sources: readProcedure.input(listSourcesSchema).query(({ ctx, input }) => listSources(ctx.db, input)),
  source: readProcedure.input(sourceIdInputSchema).query(({ ctx, input }) => getSource(ctx.db, input.id)),
  updateSource: writeProcedure.input(updateSourceSchema).mutation(({ ctx, input }) => updateSource(ctx.db, input)),
  deleteSource: writeProcedure.input(sourceIdInputSchema).mutation(({ ctx, input }) => deleteSource(ctx.db, ctx.dispatch, input.id, ctx.actor)),
  listChunks: readProcedure.input(listChunksSchema).query(({ ctx, input }) => listChunks(ctx.db, input)),
  /** A source's code examples in document order, filtered by language or text, with the languages it holds. */
  listCodeExamples: readProcedure.input(listCodeExamplesSchema).query(({ ctx, input }) => listCodeExamples(ctx.db, input)),
  /** Per source: embedding coverage against the configured model, the running job and the last one that ended. */
  sourceStatuses: readProcedure.input(sourceStatusesSchema).query(({ ctx, input }) => sourceStatuses(ctx.db, ctx.runtime.ingest.embedder, input.ids)),
  /** Every tag in use, with how many sources carry it. */
  sourceTags: readProcedure.query(({ ctx }) => sourceTags(ctx.db)),
  /** An upload job's files, each with its outcome (the reason, for a file that failed). */
  uploadFiles: readProcedure.input(uploadFilesSchema).query(({ ctx, input }) => listUploadFiles(ctx.db, input.jobId)),
  /** Hybrid (default), vector or full-text search over chunks, as chunks or grouped by page. */
  search: readProcedure
    .use(rateLimit('search'))
    .input(searchInputSchema)
    .query(({ ctx, input }) => searchKnowledge(ctx.search, input)),
  searchCode: readProcedure
    .use(rateLimit('search'))
    .input(searchCodeInputSchema)
    .query(({ ctx, input }) => searchCode(ctx.search, input)),
  listPages: readProcedure.input(listPagesSchema).query(({ ctx, input }) => listPages(ctx.db, input)),
  readPage: readProcedure.input(readPageSchema).query(({ ctx, input }) => readPage(ctx.db, input)),
});
