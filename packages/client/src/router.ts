import type {
  AnyTRPCProcedure,
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server';
import type { TrackedData } from '@trpc/server/unstable-core-do-not-import';
import type { AppRouter as ServerRouter } from '../../../server/routers/_app';
import type { ImportResult as ServerImportResult } from '../../../server/services/archive/import-source';
import type { startUpload } from '../../../server/services/uploads/start-upload';

/**
 * The API's types as a client sees them, written out in full.
 *
 * The server's own `AppRouter` names the types of its services, its context
 * and its database; a declaration file of it would need Archon's source tree
 * and its server dependencies. This function's declared return type is the
 * same router with every input and output expanded into plain object types,
 * and the context left out: the build (packages/client/build.mjs) emits its
 * declaration, which then imports nothing but `@trpc/server`. The helper types
 * live inside the function so that declaration emit cannot name them and has
 * to write out what they produce; object types are rebuilt from their keys
 * (not mapped over their declarations), since a property whose expansion is
 * identical to its annotation would otherwise be printed with that annotation.
 */
function shape() {
  type One<T> = T extends Date | RegExp | ((...args: never[]) => unknown)
    ? T
    : T extends AsyncIterable<TrackedData<infer U>>
      ? AsyncIterable<TrackedData<Expand<U>>, void, unknown>
      : T extends AsyncIterable<infer U>
        ? AsyncIterable<Expand<U>, void, unknown>
        : T extends readonly unknown[]
          ? { [K in keyof T]: Expand<T[K]> }
          : T extends object
            ? Flat<{ [K in RequiredKeys<T>]: Expand<T[K]> } & { [K in OptionalKeys<T>]?: Expand<Exclude<T[K], undefined>> }>
            : T;
  type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
  type RequiredKeys<T> = Exclude<keyof T, OptionalKeys<T>>;
  type Flat<T> = { [K in keyof T]: T[K] };
  // Through a union of one-element tuples, so that a named union of literals comes back as a new, unnamed union.
  type Wrap<T> = T extends unknown ? [One<T>] : never;
  type Expand<T> = Wrap<T>[0];

  type Def<P> = P extends { _def: { $types: { input: infer I; output: infer O } } } ? { input: Expand<I>; output: Expand<O>; meta: object } : never;
  type Proc<P> = P extends { _def: { type: 'query' } }
    ? TRPCQueryProcedure<Def<P>>
    : P extends { _def: { type: 'mutation' } }
      ? TRPCMutationProcedure<Def<P>>
      : TRPCSubscriptionProcedure<Def<P>>;
  type Rec<R> = { [K in keyof R]: R[K] extends AnyTRPCProcedure ? Proc<R[K]> : Rec<R[K]> };
  type Root = ServerRouter['_def']['_config']['$types'];

  return null as unknown as {
    router: TRPCBuiltRouter<
      { ctx: object; meta: object; errorShape: Expand<Root['errorShape']>; transformer: true },
      Rec<ServerRouter['_def']['record']>
    >;
    uploadJob: Expand<Awaited<ReturnType<typeof startUpload>>>;
    importResult: Expand<ServerImportResult>;
  };
}

type Shape = ReturnType<typeof shape>;

/** Archon's tRPC router, for `createTRPCClient<AppRouter>` and the like. */
export type AppRouter = Shape['router'];
/** Every procedure's input: `RouterInputs['knowledge']['crawl']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output: `RouterOutputs['jobs']['get']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** The job `POST /api/uploads` answers with (202). */
export type UploadJob = Shape['uploadJob'];
/** What `POST /api/sources/import` answers with (201). */
export type ImportResult = Shape['importResult'];
