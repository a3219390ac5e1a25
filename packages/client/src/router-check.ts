import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter as ServerRouter } from '../../../server/routers/_app';
import type { ImportResult as ServerImportResult } from '../../../server/services/archive/import-source';
import type { startUpload } from '../../../server/services/uploads/start-upload';
import type { ImportResult, RouterInputs, RouterOutputs, UploadJob } from './router.js';

// The expansion in router.ts must say exactly what the server says: checked by `tsc` on the repository (not built into the package).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Checks = [
  Expect<Same<RouterInputs, inferRouterInputs<ServerRouter>>>,
  Expect<Same<RouterOutputs, inferRouterOutputs<ServerRouter>>>,
  Expect<Same<UploadJob, Awaited<ReturnType<typeof startUpload>>>>,
  Expect<Same<ImportResult, ServerImportResult>>,
];
type Expect<T extends true> = T;
