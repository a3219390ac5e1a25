import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, badRequest } from '../errors';
import { type UploadMeta, uploadMetaSchema } from '../schemas/uploads';
import type { UploadedFile, UploadLimits } from '../services/uploads/start-upload';
import { limitStream } from './body-limit';
import { multipartBoundary, multipartEvents } from './multipart-stream';

// Multipart framing and the metadata fields, on top of the files themselves.
const OVERHEAD_BYTES = 1024 * 1024;
const MAX_TEXT_FIELD_BYTES = 64 * 1024;
/**
 * Text fields are held in memory, unlike files: together they get the
 * metadata's allowance, not whatever the files leave of the body's bound
 * (with the default limits, gigabytes).
 */
const MAX_TEXT_BYTES = OVERHEAD_BYTES;
const FILE_FIELDS = new Set(['file', 'files']);

const describe = (issues: { path: PropertyKey[]; message: string }[]) =>
  issues.map((i) => `${i.path.map(String).join('.') || 'form'}: ${i.message}`).join('; ');

export type UploadForm = { files: UploadedFile[]; meta: UploadMeta; dispose(): Promise<void> };

type Spooled = { name: string; path: string; size: number };

/** A spooled file, read back only when it is needed; one that outgrew the limit was never kept whole. */
const uploadedFile = (f: Spooled, limits: UploadLimits): UploadedFile => ({
  name: f.name,
  size: f.size,
  read: async () => {
    if (f.size > limits.maxFileBytes) throw new Error(`${f.name} was over the limit and was not kept`);
    return fs.readFile(f.path);
  },
});

/**
 * Reads a multipart upload: every `file` field (or `files`), plus `title`,
 * `knowledgeType`, `tags` (repeated or comma-separated) and `sourceId`. Files
 * are written to a temporary directory as they arrive, so memory stays flat
 * however large the upload; `dispose` removes them. A body larger than the
 * limits allow is refused from its Content-Length, unread, and one that
 * declares no length as soon as that much has arrived.
 */
export async function readUploadForm(req: Request, limits: UploadLimits): Promise<UploadForm> {
  const boundary = multipartBoundary(req.headers.get('content-type'));
  if (!boundary) throw badRequest('Send the files as multipart/form-data, in fields named "file"');
  const length = Number(req.headers.get('content-length'));
  const max = limits.maxFiles * limits.maxFileBytes + OVERHEAD_BYTES;
  if (Number.isFinite(length) && length > max) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The upload is ${length} bytes; at most ${limits.maxFiles} files of ${limits.maxFileBytes} bytes each are accepted`,
    );
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'archon-form-'));
  const dispose = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const body: AsyncIterable<Uint8Array> = req.body ? limitStream(req.body, max) : (async function* () {})();
    const { files, fields } = await spoolParts(body, boundary, dir, limits);
    if (files.length > limits.maxFiles)
      throw badRequest(`files: at most ${limits.maxFiles} files per upload, got ${files.length}`, { field: 'files' });
    return { files: files.map((f) => uploadedFile(f, limits)), meta: metaOf(fields), dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function spoolParts(body: AsyncIterable<Uint8Array>, boundary: string, dir: string, limits: UploadLimits) {
  const files: Spooled[] = [];
  const fields = new Map<string, string[]>();
  let file: { spooled: Spooled; handle: fs.FileHandle | null } | null = null;
  let text: { name: string; chunks: Buffer[]; size: number } | null = null;
  let textBytes = 0;
  try {
    for await (const event of multipartEvents(body, boundary)) {
      if (event.type === 'part') {
        if (event.name !== null && FILE_FIELDS.has(event.name)) {
          if (event.filename === null) throw badRequest(`${event.name}: must be a file, not a text field`);
          // The name is judged with the file (startUpload): a bad one fails that file only, as knowledge.upload does.
          const spooled = { name: event.filename, path: path.join(dir, String(files.length)), size: 0 };
          files.push(spooled);
          // Past the limit nothing more is stored: the file is only counted, to report its size.
          file = { spooled, handle: files.length <= limits.maxFiles ? await fs.open(spooled.path, 'w') : null };
        } else if (event.name !== null && event.filename === null) {
          text = { name: event.name, chunks: [], size: 0 };
        }
      } else if (event.type === 'data') {
        if (file) {
          file.spooled.size += event.chunk.length;
          if (file.handle && file.spooled.size > limits.maxFileBytes) {
            await file.handle.close();
            file.handle = null;
            await fs.rm(file.spooled.path, { force: true });
          }
          if (file.handle) await writeAll(file.handle, event.chunk);
        } else if (text) {
          text.size += event.chunk.length;
          textBytes += event.chunk.length;
          if (text.size > MAX_TEXT_FIELD_BYTES) throw badRequest(`${text.name}: longer than ${MAX_TEXT_FIELD_BYTES} bytes`, { field: text.name });
          if (textBytes > MAX_TEXT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `The form's text fields together are over ${MAX_TEXT_BYTES} bytes`);
          text.chunks.push(event.chunk);
        }
      } else {
        await file?.handle?.close();
        if (text) fields.set(text.name, [...(fields.get(text.name) ?? []), Buffer.concat(text.chunks).toString('utf8')]);
        file = null;
        text = null;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new AppError('SERVICE_UNAVAILABLE', 'The server has no disk space left to receive the upload');
    throw err;
  } finally {
    await file?.handle?.close();
  }
  return { files, fields };
}

async function writeAll(handle: fs.FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at)).bytesWritten;
}

function metaOf(fields: Map<string, string[]>): UploadMeta {
  const text = (key: string) => {
    const v = fields.get(key)?.[0];
    return v !== undefined && v.trim() !== '' ? v : undefined;
  };
  const tags = (fields.get('tags') ?? [])
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const meta = uploadMetaSchema.safeParse({
    title: text('title'),
    knowledgeType: text('knowledgeType'),
    sourceId: text('sourceId'),
    tags: tags.length ? tags : undefined,
  });
  if (!meta.success) throw badRequest(describe(meta.error.issues));
  return meta.data;
}
