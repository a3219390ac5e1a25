import { and, count, eq, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import { chunks, codeExamples, jobs, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { vectorToText } from '../../../db/vector-text';
import { AppError, conflict } from '../../errors';
import type { Dispatch } from '../../schemas/job-events';
import { embedInBatches } from '../embeddings/embed-in-batches';
import type { Embedder } from '../embeddings/types';
import { appendJobLog, recordJobProgress, setJobStatus } from '../jobs/job-progress';
import { createJob, getJob, isJobActive } from '../jobs/jobs';
import { embeddingText } from './chunker';
import { codeEmbeddingText } from './code-examples';
import { indexVectorsIfBacklogFull } from './index-vectors';

/** Rows whose vector is missing or was made by another model or dimension. */
const stale = (t: typeof chunks | typeof codeExamples, e: Embedder): SQL =>
  or(isNull(t.embedding), ne(t.embeddingModel, e.model), ne(t.embeddingDim, e.dimensions))!;

/**
 * Leaves out rows this job already tried and failed. One array parameter, not
 * one per id: a long provider outage can fail more rows than a statement may
 * have parameters.
 */
const notTried = (t: typeof chunks | typeof codeExamples, ids: number[]): SQL | undefined =>
  ids.length ? sql`not (${t.id} = any(${`{${ids.join(',')}}`}::bigint[]))` : undefined;

export async function countStaleEmbeddings(db: Database, embedder: Embedder) {
  const [[c], [e]] = await Promise.all([
    db.select({ n: count() }).from(chunks).where(stale(chunks, embedder)),
    db.select({ n: count() }).from(codeExamples).where(stale(codeExamples, embedder)),
  ]);
  return { chunks: c?.n ?? 0, codeExamples: e?.n ?? 0 };
}

/**
 * Starts a job that embeds every chunk and code example again whose vector is
 * missing or stale (after a model or dimension change). Search keeps working
 * meanwhile: full text finds everything, vectors only the rows already redone.
 */
export async function startReembed(db: Database, dispatch: Dispatch, embedder: Embedder, createdBy?: string | null) {
  const stats = await countStaleEmbeddings(db, embedder);
  const job = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${0x52454d42})`);
    const [active] = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.kind, 'reembed'), inArray(jobs.status, ['queued', 'running'])));
    if (active) throw conflict(`A re-embedding job is already running (job ${active.id})`, { jobId: active.id });
    return createJob(tx, { kind: 'reembed', sourceId: null, input: { model: embedder.model, dimensions: embedder.dimensions, ...stats }, createdBy });
  });
  try {
    await dispatch({ name: 'archon/reembed.requested', data: { jobId: job.id }, id: `reembed-requested-${job.id}` });
  } catch (err) {
    await setJobStatus(db, job.id, 'failed', `Could not queue the job: ${(err as Error).message}`);
    throw new AppError('SERVICE_UNAVAILABLE', `The background job executor did not accept the job: ${(err as Error).message}`);
  }
  return getJob(db, job.id);
}

const BATCH = 500;

/**
 * One step of a re-embedding job: embeds up to 500 stale rows, chunks first.
 * Rows that fail keep no vector and are not retried in this job (it would
 * loop); they stay stale for the next one. Returns how many rows remain.
 */
export async function reembedBatch(
  deps: { db: Database; embedder: Embedder; embedding: { batchSize: number; concurrency: number } },
  jobId: string,
  skip: { chunks: number[]; codeExamples: number[] },
): Promise<{ done: number; failed: { chunks: number[]; codeExamples: number[] }; remaining: number }> {
  const { db, embedder } = deps;
  if (!(await isJobActive(db, jobId))) return { done: 0, failed: { chunks: [], codeExamples: [] }, remaining: 0 };
  await setJobStatus(db, jobId, 'running');
  const rows = await db
    .select({
      id: chunks.id,
      chunkIndex: chunks.chunkIndex,
      content: chunks.content,
      headingPath: chunks.headingPath,
      context: chunks.context,
      title: pages.title,
    })
    .from(chunks)
    .innerJoin(pages, eq(pages.id, chunks.pageId))
    .where(and(stale(chunks, embedder), notTried(chunks, skip.chunks)))
    .orderBy(chunks.id)
    .limit(BATCH);
  const code =
    rows.length < BATCH
      ? await db
          .select({ id: codeExamples.id, code: codeExamples.code, summary: codeExamples.summary })
          .from(codeExamples)
          .where(and(stale(codeExamples, embedder), notTried(codeExamples, skip.codeExamples)))
          .orderBy(codeExamples.id)
          .limit(BATCH - rows.length)
      : [];
  const texts = [
    ...rows.map((r) => {
      const base = embeddingText(
        { index: r.chunkIndex, content: r.content, headingPath: r.headingPath, charCount: r.content.length, contentHash: '' },
        r.title,
      );
      return r.context ? `${r.context}\n${base}` : base;
    }),
    ...code.map((c) => codeEmbeddingText({ code: c.code, summary: c.summary } as never)),
  ];
  const { vectors } = await embedInBatches(embedder, texts, deps.embedding);
  const write = async (table: 'chunks' | 'code_examples', ids: number[], offset: number) => {
    const values = ids.flatMap((id, i) => (vectors[offset + i] ? [sql`(${id}::bigint, ${vectorToText(vectors[offset + i]!)}::vector)`] : []));
    if (!values.length) return;
    await db.execute(sql`update ${sql.raw(`"${table}"`)} as t set embedding = v.e, embedding_model = ${embedder.model}, embedding_dim = ${embedder.dimensions}, indexed_dim = null
      from (values ${sql.join(values, sql`, `)}) as v(id, e) where t.id = v.id`);
  };
  await write(
    'chunks',
    rows.map((r) => r.id),
    0,
  );
  await write(
    'code_examples',
    code.map((c) => c.id),
    rows.length,
  );
  await indexVectorsIfBacklogFull(deps, jobId);
  const failedChunks = rows.filter((_, i) => !vectors[i]).map((r) => r.id);
  const failedCode = code.filter((_, i) => !vectors[rows.length + i]).map((c) => c.id);
  const done = vectors.filter(Boolean).length;
  await recordJobProgress(db, jobId, { embeddingsDone: done, embeddingsFailed: failedChunks.length + failedCode.length });
  // Counted, not worked out from the failures: failed rows may have been deleted since (a source removed, a page refreshed).
  const [[c], [e]] = await Promise.all([
    db
      .select({ n: count() })
      .from(chunks)
      .where(and(stale(chunks, embedder), notTried(chunks, [...skip.chunks, ...failedChunks]))),
    db
      .select({ n: count() })
      .from(codeExamples)
      .where(and(stale(codeExamples, embedder), notTried(codeExamples, [...skip.codeExamples, ...failedCode]))),
  ]);
  return { done, failed: { chunks: failedChunks, codeExamples: failedCode }, remaining: (c?.n ?? 0) + (e?.n ?? 0) };
}

export async function finishReembed(db: Database, jobId: string) {
  const job = await getJob(db, jobId);
  if (job.embeddingsFailed)
    await appendJobLog(db, jobId, 'warn', `${job.embeddingsFailed} row(s) could not be embedded; they stay searchable by text`);
  return setJobStatus(
    db,
    jobId,
    job.embeddingsDone === 0 && job.embeddingsFailed > 0 ? 'failed' : 'completed',
    job.embeddingsFailed ? `${job.embeddingsFailed} row(s) failed` : null,
  );
}

/**
 * Called at boot: if stored vectors come from another model or dimension than
 * the configured one, start re-embedding them (unless a job already does).
 * Returns the job, or null when nothing changed.
 */
export async function reembedIfModelChanged(db: Database, dispatch: Dispatch, embedder: Embedder) {
  const changed = and(
    sql`${chunks.embedding} is not null`,
    or(ne(chunks.embeddingModel, embedder.model), ne(chunks.embeddingDim, embedder.dimensions)),
  );
  const [row] = await db.select({ n: count() }).from(chunks).where(changed);
  if (!row?.n) return null;
  const [active] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, 'reembed'), inArray(jobs.status, ['queued', 'running'])));
  if (active) return getJob(db, active.id);
  return startReembed(db, dispatch, embedder);
}

/** What the settings page shows: the configured model, how much is embedded by another, and a running job. */
export async function embeddingStatus(db: Database, embedder: Embedder) {
  const stale = await countStaleEmbeddings(db, embedder);
  const [active] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, 'reembed'), inArray(jobs.status, ['queued', 'running'])));
  return { model: embedder.model, dimensions: embedder.dimensions, stale, job: active ? await getJob(db, active.id) : null };
}
