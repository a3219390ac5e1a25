import fs from 'node:fs';
import path from 'node:path';
import { type ArchonClient, type ArchonClientOptions, createClient, type OpenFile } from './core.js';

export type {
  ArchiveInput,
  ArchonClient,
  ArchonClientOptions,
  ArchonHelpers,
  ExportOptions,
  ImportOptions,
  SourceArchive,
  UploadFile,
  UploadOptions,
  WebSocketClass,
} from './core.js';
export { ArchonHttpError, errorCode } from './core.js';
export type { AppRouter, ImportResult, RouterInputs, RouterOutputs, UploadJob } from './router.js';

/** A path as a file-backed Blob: fetch streams it from disk as the request goes, so memory stays flat. */
const openFile: OpenFile = async (file) => {
  const stat = await fs.promises.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file}: ${err.message}`);
  });
  if (!stat.isFile()) throw new Error(`Not a file: ${file}`);
  return { name: path.basename(file), blob: await fs.openAsBlob(file) };
};

/**
 * A typed client of Archon's API (see index.ts), in Node: file paths given to
 * `uploadFiles` and `importSource` are streamed from disk. Node 20 has no
 * global WebSocket: pass `ws` (the `ws` package's class) for subscriptions.
 */
export function createArchonClient(options: ArchonClientOptions): ArchonClient {
  return createClient(options, openFile);
}
