import { badRequest } from '../../../../../server/errors';
import { archiveDisposition, exportQuerySchema, parseQuery } from '../../../../../server/http/archive-query';
import { authorizeRequest } from '../../../../../server/http/authorize';
import { errorResponse } from '../../../../../server/http/error-response';
import { getRuntime } from '../../../../../server/runtime/global';
import { sourceIdSchema } from '../../../../../server/schemas/common';
import { gzipLines } from '../../../../../server/services/archive/archive-stream';
import { startExport } from '../../../../../server/services/archive/export-source';
import { ARCHIVE_CONTENT_TYPE } from '../../../../../server/services/archive/format';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Downloads a source as a portable archive (server/services/archive/format.ts). `?embeddings=0` leaves the vectors out. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const rt = await getRuntime();
  try {
    await authorizeRequest(rt, req, 'read');
    const id = sourceIdSchema.safeParse((await ctx.params).id);
    if (!id.success) throw badRequest('Invalid source id');
    const { embeddings } = parseQuery(req, exportQuerySchema);
    const lines = await startExport(rt.database.db, id.data, { includeEmbeddings: embeddings, appVersion: rt.version });
    const onError = (error: unknown) => rt.logger.error('source export failed part-way', { sourceId: id.data, error: error as Error });
    return new Response(gzipLines(lines, { onError }), {
      headers: {
        'content-type': ARCHIVE_CONTENT_TYPE,
        'content-disposition': archiveDisposition(id.data),
        'cache-control': 'no-store',
      },
    });
  } catch (err) {
    return errorResponse(err, rt.logger, req);
  }
}
