import type { z } from 'zod';
import { AppError, badRequest } from '../errors';
import { getRuntime } from '../runtime/global';
import type { Runtime } from '../runtime/runtime';
import { hostAllowed, sameOrigin } from '../services/auth/authenticate';
import type { Principal } from '../services/auth/principal';
import type { RequestMeta } from '../services/auth/sign-in';
import { callerOf } from './authorize';
import { readBodyWithin } from './body-limit';
import { errorResponse } from './error-response';
import { isHttps } from './session-cookies';

// Credentials and a name: nothing legitimate comes near this.
const MAX_BODY_BYTES = 16 * 1024;

export type AuthRouteContext<T> = { rt: Runtime; input: T; meta: RequestMeta; secure: boolean; principal: Principal | null };

async function readJson(req: Request): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyWithin(req, MAX_BODY_BYTES));
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The body must be JSON');
  }
}

/**
 * A sign-in route: JSON body checked with `schema`, refused from other
 * origins (a foreign page must not sign a visitor in or out), answered with
 * JSON and whatever cookies the handler sets. `servedHostOnly` also refuses a
 * Host this server does not answer to (see `hostAllowed`), for the route that
 * needs no credential at all: creating the owner.
 */
export function authRoute<S extends z.ZodType>(
  schema: S,
  handler: (ctx: AuthRouteContext<z.output<S>>) => Promise<{ body: unknown; cookies?: string[]; status?: number }>,
  opts: { servedHostOnly?: boolean } = {},
) {
  return async (req: Request) => {
    const rt = await getRuntime();
    try {
      const publicUrl = rt.config.ARCHON_PUBLIC_URL;
      const host = req.headers.get('host');
      if (opts.servedHostOnly && !hostAllowed(host, publicUrl))
        throw new AppError('FORBIDDEN', `Host ${host ?? '(none)'} is not served here; set ARCHON_PUBLIC_URL to the address people use`);
      if (!sameOrigin(req.headers, publicUrl)) throw new AppError('FORBIDDEN', 'Cross-origin requests cannot sign in or out');
      const length = Number(req.headers.get('content-length'));
      if (Number.isFinite(length) && length > MAX_BODY_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `The body is over ${MAX_BODY_BYTES} bytes`);
      const parsed = schema.safeParse(await readJson(req));
      if (!parsed.success) {
        throw badRequest(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
      }
      const { principal, ip } = await callerOf(rt, req.headers);
      const meta: RequestMeta = { ip, userAgent: req.headers.get('user-agent') };
      const secure = isHttps(req, { trustProxy: rt.config.TRUST_PROXY, publicUrl });
      const result = await handler({ rt, input: parsed.data, meta, secure, principal });
      const headers = new Headers({ 'cache-control': 'no-store' });
      for (const c of result.cookies ?? []) headers.append('set-cookie', c);
      return Response.json(result.body, { status: result.status ?? 200, headers });
    } catch (err) {
      return errorResponse(err, rt.logger, req);
    }
  };
}
