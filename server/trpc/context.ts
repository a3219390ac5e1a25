import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import type { Config } from '../config';
import type { Database } from '../../db/types';
import type { Logger } from '../logger';
import type { PubSub } from '../realtime/pubsub';
import { getRuntime, type Runtime } from '../runtime';
import type { Dispatch } from '../schemas/job-events';
import type { SearchDeps } from '../services/search/search-knowledge';
import { dispatch as inngestDispatch } from '../../inngest/dispatch';

export type Context = {
  db: Database;
  pubsub: PubSub;
  config: Config;
  logger: Logger;
  runtime: Runtime;
  /** Dependencies of search: database, query embedder, optional reranker. */
  search: SearchDeps;
  /** Queues background jobs (Inngest, or the local runner). */
  dispatch: Dispatch;
  transport: 'http' | 'ws' | 'internal';
  headers: Headers;
};

/** Builds a context from a runtime alone; tests and server-side callers use this directly. */
export function createContextInner(opts: {
  runtime: Runtime;
  transport?: Context['transport'];
  headers?: Headers;
  dispatch?: Dispatch;
}): Context {
  const { runtime } = opts;
  return {
    db: runtime.database.db,
    pubsub: runtime.pubsub,
    config: runtime.config,
    logger: runtime.logger,
    runtime,
    dispatch: opts.dispatch ?? inngestDispatch,
    search: runtime.search,
    transport: opts.transport ?? 'internal',
    headers: opts.headers ?? new Headers(),
  };
}

function headersOf(req: { headers: Record<string, string | string[] | undefined> }): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** One context factory for both transports: the fetch adapter (HTTP) and the WebSocket adapter. */
export async function createContext(opts: { req: Request } | CreateWSSContextFnOptions): Promise<Context> {
  const runtime = await getRuntime();
  if (opts.req instanceof Request) return createContextInner({ runtime, transport: 'http', headers: opts.req.headers });
  return createContextInner({ runtime, transport: 'ws', headers: headersOf(opts.req) });
}
