// Issue 18, for uploads: a file being stored as its upload was cancelled left a page that the job never counted and
// that its file, marked failed by the cancel, did not own. A file's page, its settling and the job's counters commit
// together: a cancel either comes first and the page is not stored, or waits for the file and finds it counted.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pages, uploadFiles } from '../../db/schema';
import type { IngestDeps } from '../../server/services/ingest/ingest-deps';
import { cancelJob, getJob, type Job } from '../../server/services/jobs/jobs';
import { processUploadFile } from '../../server/services/uploads/process-upload';
import { inMemoryFile, startUpload } from '../../server/services/uploads/start-upload';
import { testDbKind } from '../helpers/db';
import { holdTransactionsAt } from '../helpers/hold-transactions';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ poolMax: 6, env: { EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
});

const noDispatch = async () => {};

async function uploadOneFile() {
  const bytes = Buffer.from('# Widgets\n\nWidgets are configured in `widgets.toml` before the first start.\n');
  const job = await startUpload(rt.database.db, noDispatch, [inMemoryFile('widgets.md', bytes)], {}, { maxFileBytes: 100_000, maxFiles: 5 });
  const [file] = await rt.database.db.select({ id: uploadFiles.id }).from(uploadFiles).where(eq(uploadFiles.jobId, job.id));
  return { job, fileId: file!.id };
}

async function storedAndCounted(jobId: string, fileId: string) {
  const db = rt.database.db;
  const job = await getJob(db, jobId);
  const [stored] = await db.select({ n: count() }).from(pages).where(eq(pages.sourceId, job.sourceId!));
  const [file] = await db.select({ status: uploadFiles.status, pageId: uploadFiles.pageId }).from(uploadFiles).where(eq(uploadFiles.id, fileId));
  return { job, pages: stored!.n, file: file! };
}

describe('an upload cancelled while a file is being stored', () => {
  it('does not store the file the cancel came before, so the job counts every page it stored', async () => {
    const { job, fileId } = await uploadOneFile();
    let cancelling: Promise<Job> | undefined;
    const embedder = rt.ingest.embedder;
    const deps: IngestDeps = {
      ...rt.ingest,
      embedder: {
        model: embedder.model,
        dimensions: embedder.dimensions,
        embed: async (texts, opts) => {
          await (cancelling ??= cancelJob(rt.database.db, noDispatch, job.id));
          return embedder.embed(texts, opts);
        },
      },
    };
    const outcome = await processUploadFile(deps, job.id, fileId);
    const cancelled = await cancelling!;

    const after = await storedAndCounted(job.id, fileId);
    expect(cancelled.pagesFetched).toBe(after.pages);
    expect(after.job.pagesFetched).toBe(after.pages);
    expect(after.pages).toBe(0);
    expect(outcome).toEqual({ status: 'skipped', chunks: 0 });
    // The cancel marked it failed, and no page claims to be its.
    expect(after.file).toEqual({ status: 'failed', pageId: null });
  });

  it.runIf(testDbKind() === 'postgres')('counts a file that was committing when the cancel came, and the cancel waits for it', async () => {
    const db = rt.database.db;
    const { job, fileId } = await uploadOneFile();
    // The file's transaction is held just after it locked the job's row (as it settles the file).
    const hold = await holdTransactionsAt(db, 0x19, 'upload_files', 'update');
    let processing: ReturnType<typeof processUploadFile> | undefined;
    try {
      processing = processUploadFile(rt.ingest, job.id, fileId);
      await waitFor(async () => (await hold.waiting(true)) === 1, 30_000, 'the file to hold the job row');
      const cancel = cancelJob(db, noDispatch, job.id);
      await waitFor(async () => (await hold.waiting(false)) === 1, 10_000, 'the cancel to wait for the job row');
      await hold.release();
      const [outcome, cancelled] = await Promise.all([processing, cancel]);

      const after = await storedAndCounted(job.id, fileId);
      expect(cancelled.pagesFetched).toBe(after.pages);
      expect(after.job.pagesFetched).toBe(after.pages);
      expect(after.pages).toBe(1);
      expect(outcome.status).toBe('done');
      expect(after.file.status).toBe('done');
    } finally {
      await hold.close(processing);
    }
  });
});
