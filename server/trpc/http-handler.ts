import { type AnyTRPCRouter, getTRPCErrorShape, TRPCError, transformTRPCResponse } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Config } from '../config';
import { isAppError } from '../errors';
import { discardBody, readBodyWithin, withBodyLimit } from '../http/body-limit';
import { getRuntime } from '../runtime/global';
import { MAX_DOCUMENT_CHARS } from '../schemas/documents';
import { createContext } from './context';
import { retryAfterOf } from './error-mapping';

export const TRPC_ENDPOINT = '/api/trpc';
const MiB = 1024 * 1024;
/** Room for any call but an upload or a project document. */
const TRPC_MAX_BODY_BYTES = 4 * MiB;
/**
 * A document's content may be MAX_DOCUMENT_CHARS UTF-16 units: 3 bytes each in
 * UTF-8 at most (a pair, 2 units, is 4 bytes), 6 as a JSON escape (\u0001).
 */
const DOCUMENT_BODY_BYTES = MAX_DOCUMENT_CHARS * 6 + MiB;
const DOCUMENT_PATHS = new Set(['documents.create', 'documents.update']);
// `req.json()` decodes the body into one string, and V8 strings stop just short of 512 MiB.
const MAX_JSON_BODY_BYTES = 500 * MiB;
/** How much of a refused body is read and dropped so the client can see the 413 (see discardBody). */
const DRAIN_BYTES = 16 * MiB;

/**
 * `knowledge.upload` carries its files as base64, so its bound follows the
 * upload limits; a document's follows the longest content its schema takes.
 * A batch (`a,b`) gets the sum of its calls' bounds.
 */
function bodyLimitFor(path: string, config: Config): number {
  const bound = (one: string) => {
    if (DOCUMENT_PATHS.has(one)) return DOCUMENT_BODY_BYTES;
    if (one !== 'knowledge.upload') return TRPC_MAX_BODY_BYTES;
    const files = Math.ceil(config.UPLOAD_MAX_FILE_BYTES / 3) * 4 * config.UPLOAD_MAX_FILES;
    return Math.max(TRPC_MAX_BODY_BYTES, files + MiB);
  };
  const calls = path.split(',');
  const special = calls.filter((one) => bound(one) > TRPC_MAX_BODY_BYTES);
  return Math.min(MAX_JSON_BODY_BYTES, special.length ? special.reduce((sum, one) => sum + bound(one), 0) : TRPC_MAX_BODY_BYTES);
}

/** An error in the shape tRPC clients parse, one entry per call when batched. */
const STATUS = { BAD_REQUEST: 400, METHOD_NOT_SUPPORTED: 405, PAYLOAD_TOO_LARGE: 413 } as const;

function errorResponse(router: AnyTRPCRouter, url: URL, path: string, code: keyof typeof STATUS, message: string): Response {
  const config = router._def._config;
  const error = new TRPCError({ code, message });
  const shapeFor = (p: string) => ({ error: getTRPCErrorShape({ config, error, type: 'unknown', path: p, input: undefined, ctx: undefined }) });
  const body = url.searchParams.get('batch') === '1' ? path.split(',').map(shapeFor) : shapeFor(path);
  return Response.json(transformTRPCResponse(config, body), { status: STATUS[code] });
}

function isSubscription(router: AnyTRPCRouter, path: string): boolean {
  const procedures = router._def.procedures as unknown as Record<string, { _def: { type: string } } | undefined>;
  return path.split(',').some((p) => procedures[p]?._def.type === 'subscription');
}

/** The one wording for a path that cannot be decoded, here and for every other route (server/app-server.ts). */
export const MALFORMED_PATH = 'The URL path has a malformed percent-escape: each % must start an escape such as %20, and escapes must spell UTF-8';

/** The procedure path(s) of a request, or null when a percent-escape in it is malformed. */
function pathOf(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname.slice(TRPC_ENDPOINT.length + 1));
  } catch {
    return null;
  }
}

/**
 * Bounds the body before tRPC sees it, so an oversized request is refused
 * before authentication and before anything is parsed. A declared length is
 * checked up front and then enforced as the body streams; a chunked body has
 * no length to check, so it is read here, within the bound.
 */
async function boundBody(router: AnyTRPCRouter, req: Request, url: URL, path: string, config: Config): Promise<Request | Response> {
  const maxBytes = bodyLimitFor(path, config);
  try {
    if (req.headers.has('content-length')) return withBodyLimit(req, maxBytes);
    const body = await readBodyWithin(req, maxBytes, DRAIN_BYTES);
    return new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
  } catch (err) {
    if (isAppError(err) && err.code === 'PAYLOAD_TOO_LARGE') {
      if (req.body && !req.bodyUsed && !req.body.locked) discardBody(req.body, DRAIN_BYTES);
      return errorResponse(router, url, path, 'PAYLOAD_TOO_LARGE', err.message);
    }
    throw err;
  }
}

/**
 * tRPC over HTTP. The Next route handler exports it, and the custom server
 * calls it directly for /api/trpc, skipping Next's routing on the hottest path.
 * Subscriptions are refused here: over the WebSocket, revoking or expiring
 * credentials closes a live stream, while server-sent events over HTTP would
 * go on after them.
 */
export const createTrpcHttpHandler =
  (router: AnyTRPCRouter) =>
  async (incoming: Request): Promise<Response> => {
    let req = incoming;
    const url = new URL(req.url);
    const path = pathOf(url);
    // Refused for every method: tRPC would answer HEAD with 204 and the others as an unknown procedure.
    if (path === null) return errorResponse(router, url, '', 'BAD_REQUEST', MALFORMED_PATH);
    if (isSubscription(router, path))
      return errorResponse(router, url, path, 'METHOD_NOT_SUPPORTED', 'Subscriptions are served over the WebSocket at /api/trpc-ws, not over HTTP');
    if (req.method === 'POST') {
      const bounded = await boundBody(router, req, url, path, (await getRuntime()).config);
      if (bounded instanceof Response) return bounded;
      req = bounded;
    }
    return fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req,
      router,
      // Queries may come as POST (cli/remote-backend.ts sends them so): inputs the schemas allow can be too long for an address.
      allowMethodOverride: true,
      createContext: () => createContext({ req }),
      responseMeta: ({ errors }) => {
        const seconds = Math.max(0, ...errors.map((e) => retryAfterOf(e) ?? 0));
        return seconds ? { headers: new Headers({ 'retry-after': String(Math.ceil(seconds)) }) } : {};
      },
      onError: async ({ error, path, ctx }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          (await getRuntime()).logger.error('tRPC request failed', {
            path,
            ...(ctx ? { requestId: ctx.actor.requestId } : {}),
            error: error.cause ?? error,
          });
        }
      },
    });
  };
