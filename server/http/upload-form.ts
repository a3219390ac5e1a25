import { AppError, badRequest } from '../errors';
import { limitStream } from './body-limit';
import { uploadFileNameSchema, uploadMetaSchema, type UploadMeta } from '../schemas/uploads';
import type { UploadedFile, UploadLimits } from '../services/uploads/start-upload';

// Multipart framing and the metadata fields, on top of the files themselves.
const OVERHEAD_BYTES = 1024 * 1024;

const describe = (issues: { path: PropertyKey[]; message: string }[]) =>
  issues.map((i) => `${i.path.map(String).join('.') || 'form'}: ${i.message}`).join('; ');

/**
 * Reads a multipart upload: every `file` field (or `files`), plus `title`,
 * `knowledgeType`, `tags` (repeated or comma-separated) and `sourceId`. A body
 * larger than the limits allow is refused from its Content-Length, unread, and
 * one that declares no length is refused as soon as that much has arrived.
 */
export async function readUploadForm(req: Request, limits: UploadLimits): Promise<{ files: UploadedFile[]; meta: UploadMeta }> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) throw badRequest('Send the files as multipart/form-data, in fields named "file"');
  const length = Number(req.headers.get('content-length'));
  const max = limits.maxFiles * limits.maxFileBytes + OVERHEAD_BYTES;
  if (Number.isFinite(length) && length > max) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The upload is ${length} bytes; at most ${limits.maxFiles} files of ${limits.maxFileBytes} bytes each are accepted`);
  }
  let form: FormData;
  let tooLarge = false;
  try {
    const body = req.body && limitStream(req.body, max, () => (tooLarge = true));
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch (err) {
    if (tooLarge) throw new AppError('PAYLOAD_TOO_LARGE', `The upload is over ${max} bytes; at most ${limits.maxFiles} files of ${limits.maxFileBytes} bytes each are accepted`);
    throw badRequest(`The multipart body could not be read: ${(err as Error).message}`);
  }
  const files: UploadedFile[] = [];
  for (const value of [...form.getAll('file'), ...form.getAll('files')]) {
    if (typeof value === 'string') throw badRequest('file: must be a file, not a text field');
    // The same rule as knowledge.upload: a NUL or control character in a name cannot be stored.
    const name = uploadFileNameSchema.safeParse(value.name || 'unnamed');
    if (!name.success) throw badRequest(`file name ${JSON.stringify(value.name.slice(0, 100))}: ${describe(name.error.issues)}`, { field: 'file' });
    files.push({ name: name.data, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  const text = (key: string) => {
    const v = form.get(key);
    return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  };
  const tags = form
    .getAll('tags')
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((t) => t.trim())
    .filter(Boolean);
  const meta = uploadMetaSchema.safeParse({
    title: text('title'),
    knowledgeType: text('knowledgeType'),
    sourceId: text('sourceId'),
    tags: tags.length ? tags : undefined,
  });
  if (!meta.success) throw badRequest(describe(meta.error.issues));
  return { files, meta: meta.data };
}
