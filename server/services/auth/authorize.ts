import type { Database } from '../../../db/types';
import { AppError } from '../../errors';
import { addToLogContext } from '../../logger';
import { safeEqual } from '../security/tokens';
import { type Caller, REQUEST_ID_HEADER, requestIdOf } from './actor';
import { authenticate, CSRF_HEADER } from './authenticate';
import { clientIp } from './client-ip';
import { type Capability, can, type Principal } from './principal';

/**
 * The one authorization path. tRPC procedures, plain route handlers,
 * server-rendered pages and any later transport ask here, so a rule or a
 * refusal's wording cannot drift between them. Refusals are AppErrors; each
 * transport maps them once, as it maps every other.
 */

/**
 * What a call needs: a capability; just a signed-in caller of any role or
 * scope; or the right to manage one's own keys, which every person has but an
 * API key only with its admin scope (a leaked read key must not mint itself a
 * stronger one).
 */
export type Access = Capability | 'signed-in' | 'own-keys';

/** How a call arrived, as far as authorization cares. */
export type CallFacts = {
  /**
   * 'http' for any plain HTTP request, whatever protocol rides on it (tRPC,
   * route handlers, pages, MCP over HTTP): the one wire on which a browser
   * sends cookies without being asked.
   */
  transport: 'http' | 'ws' | 'internal';
  /** Whether the call changes something: a mutation, or an HTTP method other than GET, HEAD and OPTIONS. */
  mutation: boolean;
  /** The request's headers, where the CSRF token travels. */
  headers?: Headers;
};

/** Whether an HTTP method may change something (and so needs the CSRF token with a cookie). */
export const mutates = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());

export const REFUSALS = {
  unauthenticated: 'Sign in, or send an API key (Authorization: Bearer ak_…)',
  keysNeedAdmin: 'Managing keys with an API key needs its admin scope; sign in instead',
  csrf: `Missing or wrong ${CSRF_HEADER} header`,
  missing: (capability: Capability, principal: Principal) =>
    `This needs ${capability} access, which ${principal.kind === 'api-key' ? 'this API key' : `the ${principal.role} role`} does not have`,
} as const;

/**
 * Cookie-authenticated changes over HTTP must echo the session's CSRF token in
 * a header: a page on another site can make the browser send the cookie, but
 * can neither read the token nor set the header. API keys are never sent by a
 * browser on its own, and WebSocket handshakes from other origins lose the
 * cookie (see `sameOrigin`), so neither needs a token.
 */
export function csrfRefusal(principal: Principal | null, facts: CallFacts): AppError | null {
  if (!facts.mutation || facts.transport !== 'http' || principal?.kind !== 'session') return null;
  const sent = facts.headers?.get(CSRF_HEADER);
  return sent && principal.csrfToken && safeEqual(sent, principal.csrfToken) ? null : new AppError('FORBIDDEN', REFUSALS.csrf);
}

/** Why a call is refused, or null when it may go ahead. For callers that answer a refusal their own way (a page redirects to sign-in). */
export function refusal(principal: Principal | null, access: Access, facts: CallFacts): AppError | null {
  if (!principal) return new AppError('UNAUTHORIZED', REFUSALS.unauthenticated);
  if (access === 'own-keys') {
    if (principal.kind === 'api-key' && !can(principal, 'admin')) return new AppError('FORBIDDEN', REFUSALS.keysNeedAdmin);
  } else if (access !== 'signed-in' && !can(principal, access)) {
    return new AppError('FORBIDDEN', REFUSALS.missing(access, principal));
  }
  return csrfRefusal(principal, facts);
}

/** The caller's principal if it may make this call; otherwise throws the refusal (UNAUTHORIZED or FORBIDDEN). */
export function authorize(principal: Principal | null, access: Access, facts: CallFacts): Principal {
  const refused = refusal(principal, access, facts);
  if (refused) throw refused;
  return principal!;
}

/** Throws FORBIDDEN when a cookie-authenticated change over HTTP lacks its CSRF token. */
export function checkCsrf(principal: Principal | null, facts: CallFacts): void {
  const refused = csrfRefusal(principal, facts);
  if (refused) throw refused;
}

/**
 * Who is calling, from a request's headers: the principal (null when
 * anonymous), the address rate limits and the audit log see, and the request
 * id. Resolved once per request, or per WebSocket connection.
 */
export async function identifyCaller(
  db: Database,
  input: {
    headers: Headers;
    /** ARCHON_PUBLIC_URL and TRUST_PROXY from the configuration. */
    publicUrl?: string;
    trustProxy: boolean;
    /** The WebSocket's connection parameters, which may carry an API key. */
    connectionParams?: Record<string, unknown> | null;
    /** The peer's address, when the transport knows it better than the headers do. */
    socketAddress?: string | null;
  },
): Promise<Caller> {
  const principal = await authenticate(db, { headers: input.headers, connectionParams: input.connectionParams, publicUrl: input.publicUrl });
  // The rest of the request's log lines say who made it.
  addToLogContext({ userId: principal?.userId, keyId: principal?.keyId });
  return {
    principal,
    ip: clientIp(input.headers, input.trustProxy, input.socketAddress),
    requestId: requestIdOf(input.headers.get(REQUEST_ID_HEADER)),
  };
}
