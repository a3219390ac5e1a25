import { and, eq } from 'drizzle-orm';
import { users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { AppError } from '../../errors';
import { recordAudit } from '../security/audit-log';
import { hashPassword, needsRehash } from '../security/password';
import { type RateLimiter, rateLimited } from '../security/rate-limit';
import { acceptInvitation, normalizeEmail, setupOwner, type User, verifyLogin } from './accounts';
import type { Principal } from './principal';
import { announceRevocation } from './revocations';
import { createSession, type NewSession, revokeSession } from './sessions';

export type RequestMeta = { ip: string | null; userAgent: string | null };

async function startSession(db: Database, user: User, meta: RequestMeta, action: 'auth.setup' | 'auth.login' | 'user.joined') {
  const session = await createSession(db, user.id, meta);
  await recordAudit(db, { action, actorUserId: user.id, target: user.email, ip: meta.ip });
  return { user, session };
}

/**
 * Hashes a password again when its stored hash was made with other scrypt
 * parameters (an older release's): sign-in is the one moment the password is
 * known. A password changed meanwhile is left alone.
 */
async function rehashIfOutdated(db: Database, userId: string, password: string) {
  const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!row?.hash || !needsRehash(row.hash)) return;
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password), updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.passwordHash, row.hash)));
}

/** Creates the owner on first start and signs them in. */
export async function setUpOwner(db: Database, input: { email: string; password: string; name?: string }, meta: RequestMeta) {
  return startSession(db, await setupOwner(db, input), meta, 'auth.setup');
}

/**
 * Signs in with email and password. Guessing is limited per address and per
 * account, and every failure looks the same whether or not the email exists.
 */
export async function signIn(
  db: Database,
  limiter: RateLimiter,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<{ user: User; session: NewSession }> {
  const email = normalizeEmail(input.email);
  for (const [rule, subject] of [
    ['login', meta.ip ?? 'unknown'],
    ['login-account', email],
  ] as const) {
    const verdict = await limiter.hit(rule, subject);
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds, 'sign-in attempts');
  }
  const user = await verifyLogin(db, email, input.password);
  if (!user) {
    await recordAudit(db, { action: 'auth.login_failed', target: email, ip: meta.ip });
    throw new AppError('UNAUTHORIZED', 'Wrong email or password');
  }
  // The account's counter is for guessing; a person who got in starts afresh (the address's counter stays).
  await limiter.reset('login-account', email);
  await rehashIfOutdated(db, user.id, input.password);
  return startSession(db, user, meta, 'auth.login');
}

/** Joins with an invitation and signs in. */
export async function joinWithInvitation(db: Database, input: { token: string; password: string; name?: string }, meta: RequestMeta) {
  return startSession(db, await acceptInvitation(db, input), meta, 'user.joined');
}

/** Ends the caller's session; its open WebSocket connections close too. */
export async function signOut(db: Database, principal: Principal, meta: RequestMeta) {
  if (principal.kind !== 'session' || !principal.sessionId) return;
  await revokeSession(db, principal.sessionId);
  await announceRevocation(db, { sessionId: principal.sessionId });
  await recordAudit(db, { action: 'auth.logout', actorUserId: principal.userId, target: principal.email, ip: meta.ip });
}
