import { dispatch } from '../../../inngest/dispatch';
import { authorizeRequest } from '../../../server/http/authorize';
import { errorResponse } from '../../../server/http/error-response';
import { readUploadForm } from '../../../server/http/upload-form';
import { getRuntime } from '../../../server/runtime/global';
import { callerLimits, limitCaller } from '../../../server/services/auth/limit-caller';
import { actorId } from '../../../server/services/auth/principal';
import { startUpload } from '../../../server/services/uploads/start-upload';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Uploads documents as multipart/form-data (fields `file`, `title`,
 * `knowledgeType`, `tags`, `sourceId`). Answers 202 with the job; its progress
 * streams over `jobs.onProgress` like a crawl's.
 */
export async function POST(req: Request) {
  const rt = await getRuntime();
  try {
    const actor = await authorizeRequest(rt, req, 'write');
    await limitCaller(rt.database.db, callerLimits(rt.config), 'upload', actor);
    const limits = { maxFileBytes: rt.config.UPLOAD_MAX_FILE_BYTES, maxFiles: rt.config.UPLOAD_MAX_FILES };
    const form = await readUploadForm(req, limits);
    try {
      const job = await startUpload(rt.database.db, dispatch, form.files, form.meta, limits, actorId(actor.principal));
      return Response.json(job, { status: 202 });
    } finally {
      await form.dispose();
    }
  } catch (err) {
    return errorResponse(err, rt.logger, req);
  }
}
