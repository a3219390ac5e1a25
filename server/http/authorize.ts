import { AppError } from '../errors';
import type { Runtime } from '../runtime/runtime';
import { authenticate, CSRF_HEADER } from '../services/auth/authenticate';
import { can, type Capability, type Principal } from '../services/auth/principal';
import { safeEqual } from '../services/security/tokens';

/**
 * The same rules as the tRPC procedures, for plain route handlers: a caller
 * with the capability, and for cookie-authenticated writes the CSRF header.
 */
export async function authorize(rt: Runtime, req: Request, capability: Capability): Promise<Principal> {
  const principal = await authenticate(rt.database.db, { headers: req.headers, publicUrl: rt.config.ARCHON_PUBLIC_URL });
  if (!principal) throw new AppError('UNAUTHORIZED', 'Sign in, or send an API key (Authorization: Bearer ak_…)');
  if (!can(principal, capability)) throw new AppError('FORBIDDEN', `This needs ${capability} access`);
  if (req.method !== 'GET' && req.method !== 'HEAD' && principal.kind === 'session') {
    const sent = req.headers.get(CSRF_HEADER);
    if (!sent || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) throw new AppError('FORBIDDEN', `Missing or wrong ${CSRF_HEADER} header`);
  }
  return principal;
}
