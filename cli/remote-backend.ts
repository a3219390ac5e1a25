import { createTRPCClient, createWSClient, httpBatchLink, splitLink, TRPCClientError, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import { APP_ERROR_CODES, AppError, type AppErrorCode } from '../server/errors';
import { isFinished, type JobProgress, jobProgressOf, type McpBackend } from '../server/mcp/backend';
import type { AppRouter } from '../server/routers/_app';
import { REFUSALS } from '../server/services/auth/authorize';
import type { Principal } from '../server/services/auth/principal';

export type RemoteBackend = McpBackend & { close(): Promise<void> };

/** While a followed job is quiet, how often its state is read over HTTP: a server gone away ends the wait with an error. */
const WATCH_CHECK_MS = 10_000;
/** How long that read may take. */
const WATCH_CHECK_TIMEOUT_MS = 10_000;

/**
 * Why Archon at `base` could not be used, naming it once: unreachable, with
 * the cause behind "fetch failed" (ECONNREFUSED), or a server there that
 * answers with web pages where Archon's API should be.
 */
export function unreachable(base: string, err: { message: string; cause?: unknown }): string {
  if (/Unexpected token '<'|<!DOCTYPE|<html|is not valid JSON/i.test(err.message))
    return `No Archon API at ${base}: it answered with a web page. ARCHON_URL must be Archon's own address, such as http://127.0.0.1:3737`;
  let cause = err.cause as { message?: string; code?: string; cause?: unknown } | undefined;
  while (cause?.cause && !cause.code) cause = cause.cause as typeof cause;
  const why = cause?.code || cause?.message ? `${err.message} (${cause.code ?? cause.message})` : err.message;
  return `Cannot reach Archon at ${base}: ${why}`;
}

/**
 * The MCP tools' operations against a remote Archon, through the typed tRPC
 * client another app would use: queries and mutations over HTTP, job
 * progress over the WebSocket (opened only while a job is followed). The
 * server authorizes, rate-limits and audits each call as for any client.
 * Its refusals come back as the AppErrors the local backend would throw,
 * so the tools word them the same way.
 */
export function createRemoteBackend(opts: { url: string; apiKey: string; watchCheckMs?: number }): RemoteBackend {
  const base = opts.url.replace(/\/+$/, '');
  const wsClient = createWSClient({
    url: `${base.replace(/^http/, 'ws')}/api/trpc-ws`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ apiKey: opts.apiKey }),
    lazy: { enabled: true, closeMs: 5_000 },
  });
  const archon = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient, transformer: superjson }),
        // Queries are POSTed too: a search's query (2,000 characters) or a page's URL (4,096), percent-encoded into a GET's
        // address, passes the 16 KiB that Node's HTTP server allows a request's head, and the server answers 431 with no body.
        false: httpBatchLink({
          url: `${base}/api/trpc`,
          transformer: superjson,
          methodOverride: 'POST',
          headers: () => ({ authorization: `Bearer ${opts.apiKey}` }),
        }),
      }),
    ],
  });

  const toAppError = (err: unknown): Error => {
    if (!(err instanceof TRPCClientError)) return err as Error;
    const data = err.data as
      | { code?: string; retryAfterSeconds?: number | null; fieldErrors?: Record<string, string[]> | null; field?: string | null }
      | undefined;
    const code = data?.code;
    // The server refused the input against the procedure's schema, as the local backend's parse would have: the same issues, worded the same way.
    if (code === 'BAD_REQUEST' && data?.fieldErrors) return remoteValidationError(data.fieldErrors);
    // The key worked when archon mcp started (connectRemote checks it): now it is revoked, expired or its user disabled.
    // The server's own words ("Sign in, or send an API key") are for a caller that sent none.
    if (code === 'UNAUTHORIZED')
      return new AppError(
        'UNAUTHORIZED',
        `ARCHON_API_KEY no longer works at ${base}: it was revoked or has expired, or its user was disabled. Restart archon mcp with a valid key.`,
      );
    if (code && (APP_ERROR_CODES as readonly string[]).includes(code)) {
      // The details the tools word a refusal by: the wait of a rate limit, the field a refusal is about.
      const details = {
        ...(data?.retryAfterSeconds ? { retryAfterSeconds: data.retryAfterSeconds } : {}),
        ...(data?.field ? { field: data.field } : {}),
      };
      return new AppError(code as AppErrorCode, err.message, Object.keys(details).length ? details : undefined);
    }
    if (!code) return new AppError('SERVICE_UNAVAILABLE', unreachable(base, err));
    return new Error(`Archon at ${base} failed: ${err.message} (${code})`);
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toAppError(err);
    }
  };

  return {
    whoAmI: () => call(() => archon.auth.me.query()),
    // The server's health is public; the key is checked as the local mode checks it, so a revoked one says so here too.
    health: () =>
      call(async () => {
        await archon.auth.me.query();
        return archon.system.health.query();
      }),

    listSources: (input) => call(() => archon.knowledge.sources.query(input)),
    getSource: (id) => call(() => archon.knowledge.source.query({ id })),
    search: (input) => call(() => archon.knowledge.search.query(input)),
    searchCode: (input) => call(() => archon.knowledge.searchCode.query(input)),
    listPages: (input) => call(() => archon.knowledge.listPages.query(input)),
    readPage: (input) => call(() => archon.knowledge.readPage.query(input)),
    crawl: (input) => call(() => archon.knowledge.crawl.mutate(input)),
    upload: (input) => call(() => archon.knowledge.upload.mutate(input)),
    refresh: (id) => call(() => archon.knowledge.refresh.mutate({ id })),
    // Admin, as in the local backend, though the procedure takes write: the key's rights are read again first, since the
    // tools listed at the start stay listed after its user loses the admin role.
    deleteSource: async (id) => {
      const me = await call(() => archon.auth.me.query());
      if (!me.capabilities.includes('admin')) throw new AppError('FORBIDDEN', REFUSALS.missing('admin', me as Principal));
      return call(() => archon.knowledge.deleteSource.mutate({ id }));
    },

    getJob: (input) => call(() => archon.jobs.get.query(input)),
    listJobs: (input) => call(() => archon.jobs.list.query(input)),
    cancelJob: (input) => call(() => archon.jobs.cancel.mutate(input)),
    watchJob: (jobId, signal) => watchOverWebSocket(archon, jobId, signal, toAppError, opts.watchCheckMs ?? WATCH_CHECK_MS),

    listProjects: (input) => call(() => archon.projects.list.query(input)),
    getProject: (id) => call(() => archon.projects.byId.query({ id })),
    createProject: (input) => call(() => archon.projects.create.mutate(input)),
    updateProject: (input) => call(() => archon.projects.update.mutate(input)),
    deleteProject: (id) => call(() => archon.projects.delete.mutate({ id })),
    getProjectFeatures: (id) => call(() => archon.projects.features.query({ id })),

    listTasks: (input) => call(() => archon.tasks.list.query(input)),
    getTask: (id) => call(() => archon.tasks.byId.query({ id })),
    // tasks.create places the task in the same write, and refuses a bad anchor by its field, as the local backend does.
    createTask: (input, place) => call(() => archon.tasks.create.mutate({ ...input, ...place })),
    updateTask: (input) => call(() => archon.tasks.update.mutate(input)),
    moveTask: (input) => call(() => archon.tasks.move.mutate(input)),
    // One write, as the local backend's: tasks.edit refuses a bad anchor by its field after the rules the local backend
    // checks first (an archived task, a stale version), a refused move leaves the fields unwritten, and the column the
    // task is in keeps its place.
    editTask: (input) => call(() => archon.tasks.edit.mutate(input)),
    archiveTask: (input) => call(() => archon.tasks.archive.mutate(input)),

    listDocuments: (input) => call(() => archon.documents.list.query(input)),
    getDocument: (id) => call(() => archon.documents.byId.query({ id })),
    createDocument: (input) => call(() => archon.documents.create.mutate(input)),
    updateDocument: (input) => call(() => archon.documents.update.mutate(input)),
    deleteDocument: (id) => call(() => archon.documents.delete.mutate({ id })),

    listVersions: (input) => call(() => archon.versions.list.query(input)),
    getVersion: (input) => call(() => archon.versions.get.query(input)),
    createVersion: (input) => call(() => archon.versions.create.mutate(input)),
    restoreVersion: (input) => call(() => archon.versions.restore.mutate(input)),

    close: async () => {
      await wsClient.close();
    },
  };
}

/**
 * A tRPC validation refusal (its `fieldErrors`, by dotted path) as the
 * ZodError the local backend's parse throws, so the tools name the fields and
 * word the issues in one way whichever backend refused them.
 */
function remoteValidationError(fieldErrors: Record<string, string[]>): Error {
  const issues = Object.entries(fieldErrors).flatMap(([field, messages]) => {
    const path: PropertyKey[] = field ? field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
    return messages.map((message) =>
      // error-mapping.ts reports an unknown key under its own name.
      message === 'is not a known field'
        ? { path: path.slice(0, -1), message, code: 'unrecognized_keys', keys: path.slice(-1).map(String) }
        : { path, message },
    );
  });
  return Object.assign(new Error(`Invalid input: ${JSON.stringify(fieldErrors)}`), { name: 'ZodError', issues });
}

type Archon = ReturnType<typeof createTRPCClient<AppRouter>>;

/**
 * `jobs.onProgress` as an async iterable of job states, ending with the job or
 * when `signal` aborts. The WebSocket link reconnects on its own and forever,
 * so a server that went away would leave the wait hanging: while the job is
 * quiet, its state is read over HTTP every `checkMs`, which ends the wait with
 * the job's end (should an event have been missed) or with the reason Archon
 * cannot be reached.
 */
async function* watchOverWebSocket(
  archon: Archon,
  jobId: string,
  signal: AbortSignal,
  toAppError: (err: unknown) => Error,
  checkMs: number,
): AsyncGenerator<JobProgress> {
  const queue: JobProgress[] = [];
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const subscription = archon.jobs.onProgress.subscribe(
    { jobId },
    {
      onData: ({ data: event }) => {
        if (event.kind === 'status' || event.kind === 'progress') queue.push(jobProgressOf(event.payload as Parameters<typeof jobProgressOf>[0]));
        poke();
      },
      onError: (err) => {
        failure = toAppError(err);
        poke();
      },
      onComplete: () => {
        ended = true;
        poke();
      },
    },
  );
  const stop = () => {
    ended = true;
    poke();
  };
  signal.addEventListener('abort', stop, { once: true });
  /** The job's state over HTTP; a failure to get it ends the wait. */
  const check = async (): Promise<JobProgress | null> => {
    try {
      const job = await archon.jobs.get.query({ id: jobId }, { signal: AbortSignal.any([signal, AbortSignal.timeout(WATCH_CHECK_TIMEOUT_MS)]) });
      return jobProgressOf(job);
    } catch (err) {
      if (signal.aborted) return null;
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `Lost Archon while following job ${jobId}: ${toAppError(err).message}. The job may still be running there: follow it with get_job once Archon answers again.`,
      );
    }
  };
  try {
    while (!signal.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        if (isFinished(next.status)) return;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      let timer: NodeJS.Timeout | undefined;
      const quiet = await new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), checkMs);
      });
      clearTimeout(timer);
      if (!quiet || queue.length || signal.aborted) continue;
      const state = await check();
      if (state && isFinished(state.status)) {
        yield state;
        return;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    subscription.unsubscribe();
  }
}
