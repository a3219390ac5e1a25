import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import type { Config } from '../config';
import type { Database } from '../../db/types';
import type { Logger } from '../logger';
import type { PubSub } from '../realtime/pubsub';
import { type Runtime } from '../runtime/runtime';
import { getRuntime } from '../runtime/global';
import type { Dispatch } from '../schemas/job-events';
import type { SearchDeps } from '../services/search/search-knowledge';
import { dispatch as inngestDispatch } from '../../inngest/dispatch';
import { authenticate } from '../services/auth/authenticate';
import { clientIp } from '../services/auth/client-ip';
import { SYSTEM_PRINCIPAL, type Principal } from '../services/auth/principal';
import { nodeHeaders } from '../http/node-fetch';

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
  /** Who is calling; null for anonymous calls, which only public procedures accept. */
  principal: Principal | null;
  /** The caller's address, for rate limits and the audit log. */
  ip: string | null;
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
    principal: opts.principal === undefined ? SYSTEM_PRINCIPAL : opts.principal,
    ip: opts.ip ?? null,
  };
}

/** One context factory for both transports: the fetch adapter (HTTP) and the WebSocket adapter. */
export async function createContext(opts: { req: Request } | CreateWSSContextFnOptions): Promise<Context> {
  const runtime = await getRuntime();
  const publicUrl = runtime.config.ARCHON_PUBLIC_URL;
  if (opts.req instanceof Request) {
    const headers = opts.req.headers;
    const principal = await authenticate(runtime.database.db, { headers, publicUrl });
    return createContextInner({ runtime, transport: 'http', headers, principal, ip: clientIp(headers, runtime.config.TRUST_PROXY) });
  }
  const ws = opts as CreateWSSContextFnOptions;
  const headers = nodeHeaders(ws.req);
  const principal = await authenticate(runtime.database.db, { headers, connectionParams: ws.info.connectionParams, publicUrl });
  return createContextInner({ runtime, transport: 'ws', headers, principal, ip: clientIp(headers, runtime.config.TRUST_PROXY, ws.req.socket.remoteAddress) });
}
