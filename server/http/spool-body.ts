import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../errors';

export type SpooledBody = { path: string; size: number; remove(): Promise<void> };

const tooLarge = (max: number) => new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${max} bytes`, { maxBytes: max });

/**
 * Writes a request body to a temporary file as it arrives, refusing it once
 * it passes `maxBytes`. Work that holds a database transaction then reads a
 * local file at disk speed instead of waiting on the client's upload, and
 * memory stays flat whatever the body's size.
 */
export async function spoolBody(req: Request, maxBytes: number): Promise<SpooledBody> {
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'archon-upload-'));
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'body');
  let size = 0;
  try {
    const out = await fs.open(file, 'w');
    try {
      const reader = req.body?.getReader();
      for (let next = await reader?.read(); next && !next.done; next = await reader!.read()) {
        size += next.value.byteLength;
        if (size > maxBytes) {
          await reader!.cancel();
          throw tooLarge(maxBytes);
        }
        await out.write(next.value);
      }
    } finally {
      await out.close();
    }
  } catch (err) {
    await remove();
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new AppError('SERVICE_UNAVAILABLE', 'The server has no disk space left to receive the upload');
    throw err;
  }
  return { path: file, size, remove };
}
