import { randomUUID } from 'node:crypto';
import type { Principal } from './principal';

/**
 * Who acts, from where, and in which request: what the audit log records for
 * an action. Transports build it once per request (a WebSocket, once per
 * call); `requestId` is optional so in-process callers need not invent one.
 */
export type Actor = { principal: Principal; ip: string | null; requestId?: string };

/** A caller before authorization: anonymous until a principal is resolved. */
export type Caller = { principal: Principal | null; ip: string | null; requestId: string };

export const auditActor = (a: Actor) => ({ actorUserId: a.principal.userId, actorKeyId: a.principal.keyId ?? null, ip: a.ip });

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id a request is logged and answered under: the one a proxy or client
 * sent in `x-request-id`, when it is short and plain enough to log and echo
 * safely, else a new one.
 */
export function requestIdOf(sent: string | null | undefined): string {
  const value = sent?.trim();
  return value && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}
