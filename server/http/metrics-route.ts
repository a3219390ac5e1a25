import { renderMetrics } from '../runtime/metrics';
import type { Runtime } from '../runtime/runtime';
import { presentedKey } from '../services/auth/authenticate';
import { safeEqual } from '../services/security/tokens';
import { authorizeRequest } from './authorize';
import { errorResponse } from './error-response';

export const METRICS_PATH = '/api/metrics';

const AUTH_ROUTES = new Set(['login', 'logout', 'setup', 'accept-invite']);

/**
 * The route an HTTP request is counted under: a fixed set, so that paths
 * chosen by clients (ids, probes, typos) cannot grow the metrics without bound.
 * tRPC calls are also counted by procedure (archon_trpc_calls_total).
 */
export function routeLabel(path: string): string {
  if (path === '/api/trpc' || path.startsWith('/api/trpc/')) return '/api/trpc';
  if (path === '/mcp' || path === METRICS_PATH || path === '/api/health' || path === '/api/inngest') return path;
  if (path === '/api/uploads' || path === '/api/sources/import') return path;
  if (/^\/api\/sources\/[^/]+\/export$/.test(path)) return '/api/sources/:id/export';
  if (path.startsWith('/api/auth/')) {
    const name = path.slice('/api/auth/'.length);
    return AUTH_ROUTES.has(name) ? path : '/api/auth/other';
  }
  if (path.startsWith('/api/')) return '/api/other';
  if (path.startsWith('/_next/static/')) return '/_next/static';
  if (path.startsWith('/_next/')) return '/_next/other';
  return 'page';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const methodLabel = (method: string | undefined) => (method && METHODS.has(method) ? method : 'other');

/** METRICS_TOKEN as a bearer token, else an admin: an API key with the admin scope or an admin's session. */
async function authorizeScrape(rt: Runtime, req: Request): Promise<void> {
  const token = rt.config.METRICS_TOKEN;
  const presented = presentedKey(req.headers);
  if (token && presented && safeEqual(presented, token)) return;
  await authorizeRequest(rt, req, 'admin');
}

/** GET /api/metrics: the Prometheus text exposition (runtime/metrics.ts says what is in it). */
export const createMetricsHandler =
  (rt: Runtime, opts: { runner: string; wsConnections: () => number }) =>
  async (req: Request): Promise<Response> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return Response.json(
        { error: { code: 'METHOD_NOT_SUPPORTED', message: 'Read the metrics with GET' } },
        { status: 405, headers: { allow: 'GET, HEAD' } },
      );
    }
    try {
      await authorizeScrape(rt, req);
      const { body, contentType } = await renderMetrics(rt, opts);
      return new Response(req.method === 'HEAD' ? null : body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
    } catch (err) {
      const res = errorResponse(err, rt.logger, req);
      // Prometheus and curl users are told which scheme to use.
      if (res.status === 401) res.headers.set('www-authenticate', 'Bearer realm="archon-metrics"');
      return res;
    }
  };
