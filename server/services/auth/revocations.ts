import type { Database } from '../../../db/types';
import { CHANNELS, notify, type Revocation } from '../../realtime/channels';
import type { Principal } from './principal';

/**
 * Tells every process that credentials ended. Over NOTIFY, not an in-process
 * emitter: the request that revokes may run in a Next.js route handler while
 * the WebSocket connections live in the custom server's module instance.
 */
export async function announceRevocation(db: Database, revocation: Revocation): Promise<void> {
  await notify(db, CHANNELS.revocations, revocation);
}

export function parseRevocation(payload: string): Revocation | null {
  try {
    const v = JSON.parse(payload) as Revocation;
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/** Whether a connection authenticated as `principal` must end because of `revocation`. */
export function isRevoked(principal: Principal, revocation: Revocation): boolean {
  return Boolean(
    (revocation.keyId && principal.keyId === revocation.keyId) ||
      (revocation.sessionId && principal.sessionId === revocation.sessionId) ||
      (revocation.userId && principal.userId === revocation.userId),
  );
}
