import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { isTrackedEnvelope } from '@trpc/server';
import type { Logger, LogLevel } from '../server/logger';
import type { Runtime } from '../server/runtime/runtime';
import type { Principal } from '../server/services/auth/principal';
import type { Api, Connection } from './connection';
import { describeError } from './describe';
import { CliError } from './errors';

/**
 * Opens the database exactly as `npm start` does (its variables, migrations,
 * and the embedded database's one-process lock); a problem is one CliError.
 * Logs go to stderr, at LOG_LEVEL or else warnings only, so they do not
 * crowd the command's own output.
 */
export async function openRuntime(env: NodeJS.ProcessEnv): Promise<{ runtime: Runtime; logger: Logger }> {
  const [{ ConfigError, loadConfig }, { DatabaseSetupError }, { startRuntime }, { createLogger }] = await Promise.all([
    import('../server/config'),
    import('../db/errors'),
    import('../server/runtime/runtime'),
    import('../server/logger'),
  ]);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message.replace(/\s+/g, ' '), 'CONFIG');
    throw err;
  }
  const logger = createLogger(env.LOG_LEVEL ? config.LOG_LEVEL : ('warn' satisfies LogLevel));
  try {
    return { runtime: await startRuntime(config, { logger }), logger };
  } catch (err) {
    // Settings checked only together, as the providers are built (QUERY_REWRITE or CONTEXTUAL_EMBEDDINGS without a chat model).
    if (err instanceof ConfigError) throw new CliError(err.message.replace(/\s+/g, ' '), 'CONFIG');
    if (err instanceof DatabaseSetupError) {
      const held = /in use by another Archon process/.test(err.message);
      throw new CliError(
        `${err.message.replace(/\s+/g, ' ')}${held ? ' Or leave it running and use it: add --url http://127.0.0.1:3737 with ARCHON_API_KEY set.' : ''}`,
        'DATABASE',
      );
    }
    throw err;
  }
}

/**
 * Who a local command acts as: ARCHON_API_KEY's key when one is set (with
 * exactly its rights), else the owner, with every right: whoever can open the
 * database's files or its DATABASE_URL can already read and change all of it.
 * Keys made locally belong to the owner's account.
 */
async function localPrincipal(runtime: Runtime, apiKey: string | undefined): Promise<Principal> {
  const db = runtime.database.db;
  if (apiKey) {
    const { resolveApiKey } = await import('../server/services/auth/api-keys');
    const principal = await resolveApiKey(db, apiKey);
    if (!principal) throw describeError({ name: 'AppError', code: 'UNAUTHORIZED', message: 'invalid key' }, { where: 'local', mode: 'local' });
    return principal;
  }
  const [{ SYSTEM_PRINCIPAL }, { listUsers }] = await Promise.all([
    import('../server/services/auth/principal'),
    import('../server/services/auth/accounts'),
  ]);
  const owner = (await listUsers(db)).find((u) => u.role === 'owner' && !u.disabledAt);
  return owner ? { ...SYSTEM_PRINCIPAL, userId: owner.id, email: owner.email } : SYSTEM_PRINCIPAL;
}

type Handlers = {
  onStarted?: () => void;
  onData?: (value: unknown) => void;
  onError?: (err: unknown) => void;
  onComplete?: () => void;
  onStopped?: () => void;
};

/**
 * The router's in-process caller shaped as the tRPC client: `api.x.y.query(input)`,
 * `.mutate(input)` and `.subscribe(input, handlers)` call procedure x.y with
 * the context a request would have, so authorization, rate limits and
 * auditing are the server's own. Each subscription gets a caller with its own
 * abort signal, which ends the event stream when it is unsubscribed.
 */
function callerApi(makeCaller: (signal?: AbortSignal) => unknown): Api {
  const procedureAt = (caller: unknown, at: string[]) =>
    at.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  const subscribe = (at: string[], input: unknown, handlers: Handlers) => {
    const abort = new AbortController();
    void (async () => {
      try {
        const iterable = (await procedureAt(makeCaller(abort.signal), at)(input)) as AsyncIterable<unknown>;
        handlers.onStarted?.();
        for await (const value of iterable) {
          if (abort.signal.aborted) break;
          // As the WebSocket delivers tracked() events: { id, data }.
          handlers.onData?.(isTrackedEnvelope(value) ? { id: value[0], data: value[1] } : value);
        }
        if (!abort.signal.aborted) handlers.onComplete?.();
      } catch (err) {
        if (!abort.signal.aborted) handlers.onError?.(err);
      }
    })();
    return {
      unsubscribe: () => {
        abort.abort();
        handlers.onStopped?.();
      },
    };
  };
  const node = (at: string[]): unknown =>
    new Proxy(() => {}, {
      get: (_target, key) => {
        if (typeof key !== 'string') return undefined;
        if (key === 'query' || key === 'mutate') return (input: unknown) => procedureAt(makeCaller(), at)(input);
        if (key === 'subscribe') return (input: unknown, handlers: Handlers) => subscribe(at, input, handlers);
        return node([...at, key]);
      },
    });
  return node([]) as Api;
}

export async function connectLocal(opts: { apiKey?: string; env: NodeJS.ProcessEnv; runJobs: boolean }): Promise<Connection> {
  const { runtime } = await openRuntime(opts.env);
  try {
    const [{ appRouter }, { createCallerFactory }, { createContextInner }, { dispatch }, { setRuntime }] = await Promise.all([
      import('../server/routers/_app'),
      import('../server/trpc/init'),
      import('../server/trpc/context'),
      import('../inngest/dispatch'),
      import('../server/runtime/global'),
    ]);
    const principal = await localPrincipal(runtime, opts.apiKey);
    setRuntime(runtime);
    const [{ resolveRunnerMode }, { startLocalRunner }] = await Promise.all([
      import('../server/runner/mode'),
      import('../inngest/start-local-runner'),
    ]);
    // Jobs are started by sending the local runner an event, so it is always there; without runJobs it runs none of them
    // (a --no-wait job stays queued for the next process that runs jobs), and a cancel or a re-embedding still reaches it.
    if (resolveRunnerMode(opts.env) === 'local') await startLocalRunner(runtime, opts.runJobs ? {} : { slots: 0 });
    const createCaller = createCallerFactory(appRouter);
    const context = () => createContextInner({ runtime, principal, dispatch, transport: 'internal', requestId: `cli-${randomUUID()}` });
    const api = callerApi((signal) => createCaller(context, signal ? { signal } : undefined));
    const actor = { principal, ip: null };
    const where =
      runtime.database.mode === 'embedded' ? `the embedded database in ${runtime.database.location}` : `PostgreSQL at ${runtime.database.location}`;

    /** What the plain routes check first: the right access, then the caller's rate limit. */
    const allow = async (access: 'read' | 'write', rule?: 'upload') => {
      const [{ authorize }, { callerLimits, limitCaller }] = await Promise.all([
        import('../server/services/auth/authorize'),
        import('../server/services/auth/limit-caller'),
      ]);
      authorize(principal, access, { transport: 'internal', mutation: access !== 'read' });
      if (rule) await limitCaller(runtime.database.db, callerLimits(runtime.config), rule, actor);
    };

    return {
      mode: 'local',
      where,
      api,
      async uploadFiles(paths, meta) {
        await allow('write', 'upload');
        const [{ startUpload }, { uploadMetaSchema }] = await Promise.all([
          import('../server/services/uploads/start-upload'),
          import('../server/schemas/uploads'),
        ]);
        const parsed = uploadMetaSchema.safeParse(meta);
        if (!parsed.success) throw Object.assign(new Error('Invalid input'), { name: 'TRPCError', code: 'BAD_REQUEST', cause: parsed.error });
        // Read from disk only when the file is checked and stored, one at a time, as the route reads its spooled parts.
        const files = paths.map((file) => ({ name: file.name, size: fs.statSync(file.path).size, read: () => fs.promises.readFile(file.path) }));
        const limits = { maxFileBytes: runtime.config.UPLOAD_MAX_FILE_BYTES, maxFiles: runtime.config.UPLOAD_MAX_FILES };
        return startUpload(runtime.database.db, dispatch, files, parsed.data, limits, principal.userId);
      },
      async exportSource(sourceId, { embeddings }) {
        await allow('read');
        const [{ startExport }, { gzipLines }] = await Promise.all([
          import('../server/services/archive/export-source'),
          import('../server/services/archive/archive-stream'),
        ]);
        const lines = await startExport(runtime.database.db, sourceId, { includeEmbeddings: embeddings, appVersion: runtime.version });
        return { filename: `${sourceId}.archon.jsonl.gz`, stream: gzipLines(lines) };
      },
      async importSource(file, onConflict) {
        await allow('write', 'upload');
        const [{ archiveLines }, { importSource }] = await Promise.all([
          import('../server/services/archive/archive-stream'),
          import('../server/services/archive/import-source'),
        ]);
        const { model, dimensions } = runtime.ingest.embedder;
        const bytes = fs.createReadStream(file);
        try {
          return await importSource(runtime.database.db, archiveLines(bytes), {
            embedder: { model, dimensions },
            onConflict,
            createdBy: principal.userId,
          });
        } finally {
          bytes.destroy();
        }
      },
      close: () => runtime.close(),
    };
  } catch (err) {
    await runtime.close().catch(() => {});
    throw err;
  }
}
