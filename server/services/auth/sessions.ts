import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { sessions, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { randomToken, sha256Hex } from '../security/tokens';
import { capabilitiesOf, type Principal } from './principal';

export const SESSION_TTL_MS = 7 * 86_400_000;
// Sliding expiry is refreshed at most this often, so reads do not write on every request.
const TOUCH_INTERVAL_MS = 5 * 60_000;

export type NewSession = { token: string; csrfToken: string; expiresAt: Date; sessionId: string };

/** Starts a session: the token goes in an httpOnly cookie, only its hash is stored. */
export async function createSession(db: Database, userId: string, meta: { userAgent?: string | null; ip?: string | null } = {}): Promise<NewSession> {
  const token = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const [row] = await db
    .insert(sessions)
    .values({ tokenHash: sha256Hex(token), userId, csrfToken, expiresAt, userAgent: meta.userAgent?.slice(0, 500) ?? null, ip: meta.ip ?? null })
    .returning({ id: sessions.id });
  return { token, csrfToken, expiresAt, sessionId: row!.id };
}

/** The principal of a session cookie, or null when it is unknown, expired, revoked or its user disabled. */
export async function resolveSession(db: Database, token: string): Promise<Principal | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const now = new Date();
  const [row] = await db
    .select({
      id: sessions.id,
      csrfToken: sessions.csrfToken,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      email: users.email,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sha256Hex(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), isNull(users.disabledAt)));
  if (!row) return null;
  let expiresAt = row.expiresAt;
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, row.id));
  }
  return {
    kind: 'session',
    userId: row.userId,
    email: row.email,
    role: row.role,
    capabilities: capabilitiesOf(row.role),
    sessionId: row.id,
    csrfToken: row.csrfToken,
    expiresAt,
  };
}

/** Ends one session (logout). */
export async function revokeSession(db: Database, sessionId: string) {
  await db
    .update(sessions)
    .set({ revokedAt: sql`coalesce(${sessions.revokedAt}, now())` })
    .where(eq(sessions.id, sessionId));
}

/** Ends every session of a user (disabled, role lowered, password changed). */
export async function revokeUserSessions(db: Database, userId: string) {
  await db
    .update(sessions)
    .set({ revokedAt: sql`coalesce(${sessions.revokedAt}, now())` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** Drops sessions that expired more than a day ago; returns how many. The quarter-hourly scheduler calls it. */
export async function pruneSessions(db: Database): Promise<number> {
  const removed = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, new Date(Date.now() - 86_400_000)))
    .returning({ id: sessions.id });
  return removed.length;
}
