import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { jobs, sources, uploadFiles } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import type { Dispatch } from '../../schemas/job-events';
import type { UploadMeta } from '../../schemas/uploads';
import { DocumentRejected, formatBytes } from '../converters/document-rejected';
import { inspectDocument } from '../converters/to-markdown';
import { appendJobLog, recordJobProgress, setJobStatus } from '../jobs/job-progress';
import { createJob, getJob } from '../jobs/jobs';
import { stem, storedFileName } from './file-name';

/** A file to upload. Its content is read when it is needed, so a large upload can wait on disk rather than in memory. */
export type UploadedFile = { name: string; size: number; read(): Promise<Buffer> };
export type UploadLimits = { maxFileBytes: number; maxFiles: number };
type Checked = { name: string; file: UploadedFile; rejection: string | null };

/** An upload whose content is already in memory (e.g. decoded from a JSON call). */
export const inMemoryFile = (name: string, bytes: Buffer): UploadedFile => ({ name, size: bytes.length, read: async () => bytes });

/**
 * "a.md", "a (2).md": two files with one name in one upload would otherwise be one page. Refused names (null) are left
 * alone. Every name given is taken from the start, so a renamed duplicate never lands on another file's own name (a.md,
 * a.md and "a (2).md" made two files "a (2).md", one page, and a file lost).
 */
function uniqueNames(names: (string | null)[]): (string | null)[] {
  const taken = new Set(names.flatMap((name) => (name === null ? [] : [name.toLowerCase()])));
  const seen = new Set<string>();
  return names.map((name) => {
    if (name === null) return null;
    if (!seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      return name;
    }
    // The extension of the file's own name (a folder's path may hold dots too: v1.2/README).
    const file = name.lastIndexOf('/') + 1;
    const dot = name.lastIndexOf('.');
    for (let n = 2; ; n++) {
      const renamed = dot > file ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
      if (!taken.has(renamed.toLowerCase())) {
        taken.add(renamed.toLowerCase());
        return renamed;
      }
    }
  });
}

/** Why a file with a storable name is refused, or null: size, emptiness, type, encryption, zip bombs. */
async function rejectionOf(name: string, file: UploadedFile, limits: UploadLimits): Promise<string | null> {
  if (file.size > limits.maxFileBytes) return `${name} is ${formatBytes(file.size)}, over the ${formatBytes(limits.maxFileBytes)} limit per file`;
  try {
    await inspectDocument(name, await file.read());
    return null;
  } catch (err) {
    if (!(err instanceof DocumentRejected)) throw err;
    return err.reason;
  }
}

/** Checks that need no conversion. A file whose name cannot be stored keeps it (made printable) for the job's record only. */
async function check(files: UploadedFile[], limits: UploadLimits): Promise<Checked[]> {
  const stored = files.map((f) => storedFileName(f.name));
  const unique = uniqueNames(stored.map((s) => (s.error === null ? s.name : null)));
  const out: Checked[] = [];
  for (const [i, file] of files.entries()) {
    const name = unique[i] ?? stored[i]!.name;
    out.push({ name, file, rejection: stored[i]!.error ?? (await rejectionOf(name, file, limits)) });
  }
  return out;
}

/**
 * Registers an upload: the files are checked and stored first, then one event
 * per accepted file hands them to the background executor. A file that fails
 * a check is recorded in the job with its reason; the others go on.
 */
export async function startUpload(
  db: Database,
  dispatch: Dispatch,
  files: UploadedFile[],
  meta: UploadMeta,
  limits: UploadLimits,
  createdBy?: string | null,
) {
  if (files.length === 0) throw badRequest('files: must hold at least one file', { field: 'files' });
  if (files.length > limits.maxFiles) {
    throw badRequest(`files: at most ${limits.maxFiles} files per upload, got ${files.length}`, { field: 'files' });
  }
  const checked = await check(files, limits);
  const rejected = checked.filter((f) => f.rejection);

  const { job, fileIds } = await db.transaction(async (tx) => {
    let sourceId = meta.sourceId;
    if (sourceId) {
      const [source] = await tx.select().from(sources).where(eq(sources.id, sourceId)).for('no key update');
      if (!source) throw notFound('Source', sourceId);
      if (source.kind !== 'upload')
        throw badRequest(`sourceId: source '${sourceId}' was crawled; files can only be added to an upload`, { field: 'sourceId' });
      const [active] = await tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.sourceId, sourceId), inArray(jobs.status, ['queued', 'running'])));
      if (active) throw conflict(`An upload into this source is still running (job ${active.id})`, { jobId: active.id });
      await tx
        .update(sources)
        .set({
          ...(meta.title !== undefined ? { title: meta.title, titleEdited: true } : {}),
          ...(meta.knowledgeType !== undefined ? { knowledgeType: meta.knowledgeType } : {}),
          ...(meta.tags !== undefined ? { tags: meta.tags } : {}),
          updatedAt: new Date(),
        })
        .where(eq(sources.id, sourceId));
    } else {
      sourceId = `upload-${randomUUID()}`;
      await tx.insert(sources).values({
        id: sourceId,
        kind: 'upload',
        url: null,
        title: meta.title ?? (checked.length === 1 ? stem(checked[0]!.name) : `${checked.length} uploaded files`),
        titleEdited: meta.title !== undefined,
        knowledgeType: meta.knowledgeType ?? 'technical',
        tags: meta.tags ?? [],
        createdBy: createdBy ?? null,
      });
    }
    const job = await createJob(tx, {
      kind: 'upload',
      sourceId,
      input: { sourceId, files: checked.map((f) => ({ name: f.name, size: f.file.size })), ...meta },
      createdBy,
    });
    // One row at a time, so only one file's content is in memory at once.
    const fileIds: string[] = [];
    for (const f of checked) {
      const [row] = await tx
        .insert(uploadFiles)
        .values({
          jobId: job.id,
          name: f.name,
          size: f.file.size,
          content: f.rejection ? null : await f.file.read(),
          status: f.rejection ? 'failed' : 'pending',
          error: f.rejection,
        })
        .returning({ id: uploadFiles.id });
      if (!f.rejection) fileIds.push(row!.id);
    }
    return { job, fileIds };
  });

  await recordJobProgress(db, job.id, { pagesDiscovered: checked.length, pagesFailed: rejected.length });
  for (const f of rejected) await appendJobLog(db, job.id, 'error', f.rejection!);
  if (fileIds.length === 0) {
    await setJobStatus(db, job.id, 'failed', rejected.length === 1 ? rejected[0]!.rejection : `All ${rejected.length} files were rejected`);
    return getJob(db, job.id);
  }
  try {
    await dispatch(fileIds.map((fileId) => ({ name: 'archon/upload.file' as const, data: { jobId: job.id, fileId }, id: `upload-file-${fileId}` })));
  } catch (err) {
    await setJobStatus(db, job.id, 'failed', `Could not queue the upload: ${(err as Error).message}`);
    throw new AppError('SERVICE_UNAVAILABLE', `The background job executor did not accept the upload: ${(err as Error).message}`);
  }
  return getJob(db, job.id);
}
