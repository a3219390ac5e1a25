import { createTRPCClient, createWSClient, httpBatchLink, splitLink, TRPCClientError, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import { APP_ERROR_CODES, AppError, type AppErrorCode } from '../server/errors';
import { isFinished, type JobProgress, jobProgressOf, type McpBackend } from '../server/mcp/backend';
import type { AppRouter } from '../server/routers/_app';

export type RemoteBackend = McpBackend & { close(): Promise<void> };

/**
 * The MCP tools' operations against a remote Archon, through the typed tRPC
 * client another app would use: queries and mutations over HTTP, job
 * progress over the WebSocket (opened only while a job is followed). The
 * server authorizes, rate-limits and audits each call as for any client.
 * Its refusals come back as the AppErrors the local backend would throw,
 * so the tools word them the same way.
 */
export function createRemoteBackend(opts: { url: string; apiKey: string }): RemoteBackend {
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
        false: httpBatchLink({ url: `${base}/api/trpc`, transformer: superjson, headers: () => ({ authorization: `Bearer ${opts.apiKey}` }) }),
      }),
    ],
  });

  const toAppError = (err: unknown): Error => {
    if (!(err instanceof TRPCClientError)) return err as Error;
    const data = err.data as { code?: string; retryAfterSeconds?: number | null } | undefined;
    const code = data?.code;
    if (code && (APP_ERROR_CODES as readonly string[]).includes(code)) {
      return new AppError(code as AppErrorCode, err.message, data?.retryAfterSeconds ? { retryAfterSeconds: data.retryAfterSeconds } : undefined);
    }
    if (!code) return new AppError('SERVICE_UNAVAILABLE', `Cannot reach Archon at ${base}: ${err.message}`);
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
    health: () => call(() => archon.system.health.query()),

    listSources: (input) => call(() => archon.knowledge.sources.query(input)),
    getSource: (id) => call(() => archon.knowledge.source.query({ id })),
    search: (input) => call(() => archon.knowledge.search.query(input)),
    searchCode: (input) => call(() => archon.knowledge.searchCode.query(input)),
    listPages: (input) => call(() => archon.knowledge.listPages.query(input)),
    readPage: (input) => call(() => archon.knowledge.readPage.query(input)),
    crawl: (input) => call(() => archon.knowledge.crawl.mutate(input)),
    upload: (input) => call(() => archon.knowledge.upload.mutate(input)),
    refresh: (id) => call(() => archon.knowledge.refresh.mutate({ id })),
    deleteSource: (id) => call(() => archon.knowledge.deleteSource.mutate({ id })),

    getJob: (input) => call(() => archon.jobs.get.query(input)),
    listJobs: (input) => call(() => archon.jobs.list.query(input)),
    cancelJob: (input) => call(() => archon.jobs.cancel.mutate(input)),
    watchJob: (jobId, signal) => watchOverWebSocket(archon, jobId, signal, toAppError),

    listProjects: (input) => call(() => archon.projects.list.query(input)),
    getProject: (id) => call(() => archon.projects.byId.query({ id })),
    createProject: (input) => call(() => archon.projects.create.mutate(input)),
    updateProject: (input) => call(() => archon.projects.update.mutate(input)),
    deleteProject: (id) => call(() => archon.projects.delete.mutate({ id })),
    getProjectFeatures: (id) => call(() => archon.projects.features.query({ id })),

    listTasks: (input) => call(() => archon.tasks.list.query(input)),
    getTask: (id) => call(() => archon.tasks.byId.query({ id })),
    createTask: (input) => call(() => archon.tasks.create.mutate(input)),
    updateTask: (input) => call(() => archon.tasks.update.mutate(input)),
    moveTask: (input) => call(() => archon.tasks.move.mutate(input)),
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

type Archon = ReturnType<typeof createTRPCClient<AppRouter>>;

/** `jobs.onProgress` as an async iterable of job states, ending with the job or when `signal` aborts. */
async function* watchOverWebSocket(
  archon: Archon,
  jobId: string,
  signal: AbortSignal,
  toAppError: (err: unknown) => Error,
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
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener('abort', stop);
    subscription.unsubscribe();
  }
}
