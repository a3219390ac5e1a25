import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import type { Database } from '../../db/types';
import { dispatch as inngestDispatch } from '../../inngest/dispatch';
import type { Config } from '../config';
import { nodeHeaders } from '../http/node-fetch';
import type { Logger } from '../logger';
import type { PubSub } from '../realtime/pubsub';
import { getRuntime } from '../runtime/global';
import type { Runtime } from '../runtime/runtime';
import type { Dispatch } from '../schemas/job-events';
import { type Caller, requestIdOf } from '../services/auth/actor';
import { identifyCaller } from '../services/auth/authorize';
import { type Principal, SYSTEM_PRINCIPAL } from '../services/auth/principal';
import type { SearchDeps } from '../services/search/search-knowledge';

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
  /**
   * Who is calling (null for anonymous calls, which only public procedures
   * accept), from which address, in which request. Procedures past an
   * authorization check see a non-null principal.
   */
  actor: Caller;
};

/** Builds a context from a runtime alone; tests and server-side callers use this directly. */
export function createContextInner(opts: {
  runtime: Runtime;
  transport?: Context['transport'];
  headers?: Headers;
  dispatch?: Dispatch;
  /** In-process callers act as the system unless they say otherwise (tests pass a user, or null). */
  principal?: Principal | null;
  ip?: string | null;
  requestId?: string;
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
    actor: {
      principal: opts.principal === undefined ? SYSTEM_PRINCIPAL : opts.principal,
      ip: opts.ip ?? null,
      requestId: opts.requestId ?? requestIdOf(null),
    },
  };
}

/** One context factory for both transports: the fetch adapter (HTTP) and the WebSocket adapter. */
export async function createContext(opts: { req: Request } | CreateWSSContextFnOptions): Promise<Context> {
  const runtime = await getRuntime();
  const { ARCHON_PUBLIC_URL: publicUrl, TRUST_PROXY: trustProxy } = runtime.config;
  if (opts.req instanceof Request) {
    const headers = opts.req.headers;
    const caller = await identifyCaller(runtime.database.db, { headers, publicUrl, trustProxy });
    return createContextInner({ runtime, transport: 'http', headers, ...caller });
  }
  const ws = opts as CreateWSSContextFnOptions;
  const headers = nodeHeaders(ws.req);
  // A connection's id; each call on it gets its own, derived from it (see trpc/init.ts).
  const caller = await identifyCaller(runtime.database.db, {
    headers,
    publicUrl,
    trustProxy,
    connectionParams: ws.info.connectionParams,
    socketAddress: ws.req.socket.remoteAddress,
  });
  return createContextInner({ runtime, transport: 'ws', headers, ...caller });
}
