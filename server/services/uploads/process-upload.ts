import { and, count, eq, getTableColumns, sql } from 'drizzle-orm';
import { jobs, uploadFiles } from '../../../db/schema';
import { byteaFromBase64 } from '../../../db/schema/uploads';
import { transactionOrNull } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { DocumentRejected } from '../converters/document-rejected';
import { type ConvertedDocument, documentToMarkdown } from '../converters/to-markdown';
import { isEmbeddingConfigError } from '../embeddings/types';
import { type SettleDeps, settleCodeExamplesOfJob } from '../ingest/dedupe-code';
import { indexVectorsIfBacklogFull } from '../ingest/index-vectors';
import type { IngestDeps } from '../ingest/ingest-deps';
import { type PrepareResult, prepareDocuments } from '../ingest/prepare';
import { storeDocuments } from '../ingest/store';
import { appendJobLog, isTerminal, lockActiveJob, recordJobProgress, setJobStatus } from '../jobs/job-progress';
import { getJob, isJobActive } from '../jobs/jobs';
import { uploadPageUrl } from './file-name';

export type FileOutcome = { status: 'done' | 'failed' | 'skipped'; chunks: number };

/** Marks a file failed with a reason the uploader can act on, and counts it. */
export async function failUploadFile(db: Database, jobId: string, fileId: string, reason: string) {
  const failed = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(uploadFiles)
      .set({ status: 'failed', error: reason, content: null, updatedAt: new Date() })
      .where(and(eq(uploadFiles.id, fileId), eq(uploadFiles.status, 'pending')))
      .returning({ id: uploadFiles.id });
    // Already settled (a retried step): counted then.
    if (!row) return false;
    await recordJobProgress(tx, jobId, { pagesFailed: 1 });
    return true;
  });
  if (failed) await appendJobLog(db, jobId, 'error', reason);
}

/**
 * Converts one stored file to Markdown and ingests it like a crawled page:
 * chunks, code examples and embeddings, stored as the page `file://<name>` of
 * the upload's source. A file the converter rejects fails on its own.
 */
export async function processUploadFile(deps: IngestDeps, jobId: string, fileId: string): Promise<FileOutcome> {
  const { db } = deps;
  const [file] = await db
    .select({ ...getTableColumns(uploadFiles), content: byteaFromBase64(uploadFiles.content) })
    .from(uploadFiles)
    .where(and(eq(uploadFiles.id, fileId), eq(uploadFiles.jobId, jobId)));
  if (file?.status !== 'pending' || !file.content) return { status: 'skipped', chunks: 0 };
  if (!(await isJobActive(db, jobId))) return { status: 'skipped', chunks: 0 };
  await setJobStatus(db, jobId, 'running');
  const job = await getJob(db, jobId);
  const sourceId = job.sourceId!;

  let converted: ConvertedDocument;
  try {
    converted = await documentToMarkdown(file.name, file.content);
  } catch (err) {
    if (!(err instanceof DocumentRejected)) throw err;
    await failUploadFile(db, jobId, fileId, err.reason);
    return { status: 'failed', chunks: 0 };
  }
  const document = {
    url: uploadPageUrl(file.name),
    title: converted.title,
    markdown: converted.markdown,
    metadata: { fileName: file.name, format: converted.format, size: file.size, ...(converted.pageCount ? { pageCount: converted.pageCount } : {}) },
  };
  let prepared: PrepareResult;
  try {
    prepared = await prepareDocuments(
      db,
      { sourceId, embedder: deps.embedder, contextualizer: deps.contextualizer, summarizer: deps.summarizer, ...deps.embedding },
      [document],
    );
  } catch (err) {
    if (!isEmbeddingConfigError(err)) throw err;
    await setJobStatus(db, jobId, 'failed', err.message);
    return { status: 'failed', chunks: 0 };
  }
  // The page, the file's settling and the job's counters commit together, and only while the job is active and the file
  // still pending: a cancel that lands first leaves the page unstored (the cancel marks the file failed), one that lands
  // after waits for the job's row and finds the file counted. Stored apart, a file processed as its upload was cancelled
  // left a page that the job never counted and that its file, marked failed, did not own (issue 18).
  const chunksStored = await transactionOrNull(db, async (tx) => {
    const stored = await storeDocuments(tx, sourceId, deps.embedder.model, prepared.documents);
    if (!(await lockActiveJob(tx, jobId))) tx.rollback();
    const [settled] = await tx
      .update(uploadFiles)
      .set({ status: 'done', content: null, pageId: stored.pageIds.get(document.url) ?? null, updatedAt: new Date() })
      .where(and(eq(uploadFiles.id, fileId), eq(uploadFiles.status, 'pending')))
      .returning({ id: uploadFiles.id });
    // Settled by another run of this file, which stored and counted it.
    if (!settled) tx.rollback();
    await recordJobProgress(
      tx,
      jobId,
      {
        pagesFetched: 1,
        chunksStored: stored.chunksStored,
        embeddingsDone: prepared.embedded + prepared.reused,
        embeddingsFailed: prepared.failed.length,
      },
      file.name,
    );
    return stored.chunksStored;
  });
  if (chunksStored === null) return { status: 'skipped', chunks: 0 };
  await indexVectorsIfBacklogFull(deps, jobId);
  if (prepared.failed.length) {
    await appendJobLog(
      db,
      jobId,
      'warn',
      `${file.name}: ${prepared.failed.length} chunk(s) could not be embedded and are found by full-text search only`,
    );
  }
  return { status: 'done', chunks: chunksStored };
}

/** Whether every file of a still-running upload job is settled, so the job can be summarised and ended. */
export async function isUploadSettled(db: Database, jobId: string): Promise<boolean> {
  const [job] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
  if (!job || isTerminal(job.status)) return false;
  return (await db.$count(uploadFiles, and(eq(uploadFiles.jobId, jobId), eq(uploadFiles.status, 'pending')))) === 0;
}

/**
 * Ends the job once no file is pending: completed if any file made it,
 * failed if none did. The job row is locked so two files finishing at once
 * cannot both end it.
 */
export async function finishUploadIfDone(deps: SettleDeps, jobId: string): Promise<{ finished: boolean }> {
  const { db } = deps;
  const verdict = await db.transaction(async (tx) => {
    const [job] = await tx.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)).for('no key update');
    if (!job || isTerminal(job.status)) return null;
    const rows = await tx
      .select({ status: uploadFiles.status, n: count() })
      .from(uploadFiles)
      .where(eq(uploadFiles.jobId, jobId))
      .groupBy(uploadFiles.status);
    const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
    if (by.pending) return null;
    return { done: by.done ?? 0, failed: by.failed ?? 0 };
  });
  if (!verdict) return { finished: false };
  const errors = await db
    .select({ name: uploadFiles.name, error: uploadFiles.error })
    .from(uploadFiles)
    .where(and(eq(uploadFiles.jobId, jobId), eq(uploadFiles.status, 'failed')))
    .orderBy(sql`${uploadFiles.name}`)
    .limit(5);
  const summary = verdict.failed
    ? `${verdict.failed} of ${verdict.done + verdict.failed} file(s) failed: ${errors.map((e) => e.error).join('; ')}${verdict.failed > errors.length ? '; …' : ''}`
    : null;
  const [job] = await db.select({ sourceId: jobs.sourceId }).from(jobs).where(eq(jobs.id, jobId));
  if (verdict.done > 0 && job?.sourceId) await settleCodeExamplesOfJob(deps, jobId, job.sourceId);
  await setJobStatus(db, jobId, verdict.done > 0 ? 'completed' : 'failed', summary);
  return { finished: true };
}
