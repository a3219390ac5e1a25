import { and, asc, count, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { apiKeys, mcpSessions } from '../../db/schema';
import type { Database } from '../../db/types';

/** A session nobody used for this long is over (404), in every process. */
export const SESSION_IDLE_MS = 24 * 3_600_000;
/** last_seen_at is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60_000;
/** Closed and expired rows are kept this long (debugging), then deleted: a key opening sessions all day leaves a day's rows at most. */
const KEEP_ENDED_MS = 24 * 3_600_000;

export type SessionRow = typeof mcpSessions.$inferSelect;

export async function createSession(db: Database, row: { id: string; keyId: string; userId: string; initParams: Record<string, unknown> }) {
  await db.insert(mcpSessions).values(row);
}

/** The session if it is open and not idle past SESSION_IDLE_MS (an idle one is closed on the way), else null. */
export async function openSession(db: Database, id: string, now = Date.now()): Promise<SessionRow | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [row] = await db.select().from(mcpSessions).where(eq(mcpSessions.id, id));
  if (!row || row.closedAt) return null;
  if (now - row.lastSeenAt.getTime() > SESSION_IDLE_MS) {
    await closeSession(db, id);
    return null;
  }
  if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db
      .update(mcpSessions)
      .set({ lastSeenAt: new Date(now) })
      .where(and(eq(mcpSessions.id, id), isNull(mcpSessions.closedAt)));
  }
  return row;
}

export async function closeSession(db: Database, id: string): Promise<void> {
  await db
    .update(mcpSessions)
    .set({ closedAt: sql`now()` })
    .where(and(eq(mcpSessions.id, id), isNull(mcpSessions.closedAt)));
}

/** Closes every open session of a key or a user (revoked, disabled, role changed); returns their ids. */
export async function closeSessionsOf(db: Database, who: { keyId?: string; userId?: string }): Promise<string[]> {
  const match = or(who.keyId ? eq(mcpSessions.keyId, who.keyId) : undefined, who.userId ? eq(mcpSessions.userId, who.userId) : undefined);
  if (!match) return [];
  const rows = await db
    .update(mcpSessions)
    .set({ closedAt: sql`now()` })
    .where(and(match, isNull(mcpSessions.closedAt)))
    .returning({ id: mcpSessions.id });
  return rows.map((r) => r.id);
}

/** Open sessions of a key whose key still works: an expired key's sessions are over even before a process closes their rows. */
const openOf = (keyId: string, now: number) =>
  and(
    eq(mcpSessions.keyId, keyId),
    isNull(mcpSessions.closedAt),
    gt(mcpSessions.lastSeenAt, new Date(now - SESSION_IDLE_MS)),
    isNull(apiKeys.revokedAt),
    or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, new Date(now))),
  );

export async function countOpenSessions(db: Database, keyId: string, now = Date.now()): Promise<number> {
  const [row] = await db.select({ n: count() }).from(mcpSessions).innerJoin(apiKeys, eq(apiKeys.id, mcpSessions.keyId)).where(openOf(keyId, now));
  return row?.n ?? 0;
}

/** A key's open sessions, the least recently used first. */
export async function openSessionsOf(db: Database, keyId: string, now = Date.now()): Promise<{ id: string }[]> {
  return db
    .select({ id: mcpSessions.id })
    .from(mcpSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, mcpSessions.keyId))
    .where(openOf(keyId, now))
    .orderBy(asc(mcpSessions.lastSeenAt), asc(mcpSessions.createdAt));
}

/** Deletes sessions that ended (or went idle) over a day ago. */
export async function pruneSessions(db: Database, now = Date.now()): Promise<void> {
  const before = new Date(now - KEEP_ENDED_MS);
  await db
    .delete(mcpSessions)
    .where(or(lt(mcpSessions.closedAt, before), lt(mcpSessions.lastSeenAt, new Date(now - SESSION_IDLE_MS - KEEP_ENDED_MS))));
}
