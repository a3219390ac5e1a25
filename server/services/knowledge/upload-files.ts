import { asc, eq } from 'drizzle-orm';
import { uploadFiles } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { getJob } from '../jobs/jobs';

/**
 * The files of an upload job with each one's outcome: pending, done (with the
 * page it became) or failed with the reason, so the uploader sees which file
 * needs attention. Never the files' bytes.
 */
export async function listUploadFiles(db: Database, jobId: string) {
  const job = await getJob(db, jobId);
  const items = await db
    .select({
      id: uploadFiles.id,
      name: uploadFiles.name,
      size: uploadFiles.size,
      status: uploadFiles.status,
      error: uploadFiles.error,
      pageId: uploadFiles.pageId,
      updatedAt: uploadFiles.updatedAt,
    })
    .from(uploadFiles)
    .where(eq(uploadFiles.jobId, jobId))
    .orderBy(asc(uploadFiles.name), asc(uploadFiles.id));
  return { jobId, sourceId: job.sourceId, status: job.status, items };
}
