import { type ArchonClient, type ArchonClientOptions, createClient } from './core.js';

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

/**
 * A typed client of Archon's API: `archon.knowledge.search.query({ query })`,
 * `archon.jobs.onProgress.subscribe(…)`, and `uploadFiles`, `exportSource`,
 * `importSource`. This entry is the browser's (and bundlers'); in Node the
 * package resolves to node.js, which also takes file paths.
 */
export function createArchonClient(options: ArchonClientOptions): ArchonClient {
  return createClient(options);
}
