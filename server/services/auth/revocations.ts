import { sql } from 'drizzle-orm';
import type { Database } from '../../../db/types';
import type { Principal } from './principal';
import { CHANNELS } from '../../realtime/channels';

/** Which credentials ended: a key, a session, or everything of a user (disabled, role changed). */
export type Revocation = { keyId?: string; sessionId?: string; userId?: string };

/**
 * Tells every process that credentials ended. Over NOTIFY, not an in-process
 * emitter: the request that revokes may run in a Next.js route handler while
 * the WebSocket connections live in the custom server's module instance.
 */
export async function announceRevocation(db: Database, revocation: Revocation): Promise<void> {
  await db.execute(sql`select pg_notify(${CHANNELS.revocations}, ${JSON.stringify(revocation)})`);
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
