import { createReadStream } from 'node:fs';
import { importQuerySchema, MAX_IMPORT_BYTES, parseQuery } from '../../../../server/http/archive-query';
import { authorizeRequest } from '../../../../server/http/authorize';
import { errorResponse } from '../../../../server/http/error-response';
import { multipartField } from '../../../../server/http/multipart-field';
import { multipartBoundary } from '../../../../server/http/multipart-stream';
import { spoolBody } from '../../../../server/http/spool-body';
import { getRuntime } from '../../../../server/runtime/global';
import { archiveLines } from '../../../../server/services/archive/archive-stream';
import { importSource } from '../../../../server/services/archive/import-source';
import { callerLimits, limitCaller } from '../../../../server/services/auth/limit-caller';
import { actorId } from '../../../../server/services/auth/principal';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Imports a source archive sent as the raw body (application/gzip) or as the
 * multipart field `file`. `?onConflict=error|replace|copy` says what happens
 * when the source already exists.
 */
export async function POST(req: Request) {
  const rt = await getRuntime();
  try {
    const actor = await authorizeRequest(rt, req, 'write');
    await limitCaller(rt.database.db, callerLimits(rt.config), 'upload', actor);
    const { onConflict } = parseQuery(req, importQuerySchema);
    const boundary = multipartBoundary(req.headers.get('content-type'));
    const body = await spoolBody(req, MAX_IMPORT_BYTES);
    const file = createReadStream(body.path);
    try {
      const bytes = boundary ? multipartField(file, boundary, 'file') : file;
      const { model, dimensions } = rt.ingest.embedder;
      const result = await importSource(rt.database.db, archiveLines(bytes), {
        embedder: { model, dimensions },
        onConflict,
        createdBy: actorId(actor.principal),
      });
      return Response.json(result, { status: 201 });
    } finally {
      file.destroy();
      await body.remove();
    }
  } catch (err) {
    return errorResponse(err, rt.logger, req);
  }
}
