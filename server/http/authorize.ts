import type { Runtime } from '../runtime/runtime';
import type { Actor, Caller } from '../services/auth/actor';
import { type Access, authorize, identifyCaller, mutates } from '../services/auth/authorize';

/** The caller of a plain HTTP request (route handler or page): principal or null, address, request id. */
export const callerOf = (rt: Runtime, headers: Headers): Promise<Caller> =>
  identifyCaller(rt.database.db, { headers, publicUrl: rt.config.ARCHON_PUBLIC_URL, trustProxy: rt.config.TRUST_PROXY });

/**
 * A route handler's authorization: the same rules as the tRPC procedures
 * (services/auth/authorize.ts), the CSRF token included for cookie-authenticated
 * writes. Returns the actor, for rate limits and the audit log.
 */
export async function authorizeRequest(rt: Runtime, req: Request, access: Access): Promise<Actor & Caller> {
  const caller = await callerOf(rt, req.headers);
  const principal = authorize(caller.principal, access, { transport: 'http', mutation: mutates(req.method), headers: req.headers });
  return { ...caller, principal };
}
