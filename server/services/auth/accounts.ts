import { and, asc, count, eq, gt, isNull, sql } from 'drizzle-orm';
import { invitations, type UserRole, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import { hashPassword, passwordProblem, verifyAgainstDummy, verifyPassword } from '../security/password';
import { randomToken, sha256Hex } from '../security/tokens';

export const INVITATION_TTL_MS = 7 * 86_400_000;
// Serialises owner setup so two first visitors cannot both become owner.
const SETUP_LOCK = 0x41524f57;

const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
};
export type User = { id: string; email: string; name: string; role: UserRole; disabledAt: Date | null; createdAt: Date };

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

function checkPassword(password: string) {
  const problem = passwordProblem(password);
  if (problem) throw badRequest(`password: ${problem}`, { field: 'password' });
}

export async function needsSetup(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) === 0;
}

/** Creates the owner account; only possible while there is no user at all. */
export async function setupOwner(db: Database, input: { email: string; name?: string; password: string }): Promise<User> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
    const [existing] = await tx.select({ n: count() }).from(users);
    if ((existing?.n ?? 0) > 0) throw conflict('Archon already has an owner; sign in instead');
    const [user] = await tx
      .insert(users)
      .values({ email: normalizeEmail(input.email), name: input.name?.trim() ?? '', passwordHash, role: 'owner' })
      .returning(userColumns);
    return user as User;
  });
}

/** The user a password signs in, or null, taking the same time whether or not the email exists. */
export async function verifyLogin(db: Database, email: string, password: string): Promise<User | null> {
  const [row] = await db
    .select({ ...userColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, normalizeEmail(email)));
  if (!row?.passwordHash) {
    await verifyAgainstDummy(password);
    return null;
  }
  if (!(await verifyPassword(password, row.passwordHash)) || row.disabledAt) return null;
  const { passwordHash: _hash, ...user } = row;
  return user as User;
}

export async function getUser(db: Database, id: string): Promise<User> {
  const [user] = await db.select(userColumns).from(users).where(eq(users.id, id));
  if (!user) throw notFound('User', id);
  return user as User;
}

export async function listUsers(db: Database): Promise<User[]> {
  return (await db.select(userColumns).from(users).orderBy(asc(users.createdAt))) as User[];
}

/** Invites someone by email; the returned token (shown once) is how they join. */
export async function inviteUser(db: Database, input: { email: string; role: Exclude<UserRole, 'owner'> }, invitedBy: string | null) {
  const email = normalizeEmail(input.email);
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (taken) throw conflict(`${email} already has an account`);
  const token = randomToken(32);
  const [invitation] = await db
    .insert(invitations)
    .values({ email, role: input.role, tokenHash: sha256Hex(token), invitedBy, expiresAt: new Date(Date.now() + INVITATION_TTL_MS) })
    .returning({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt });
  return { token, invitation: invitation! };
}

const invitationColumns = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  invitedBy: invitations.invitedBy,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
};

/** Invitations that can still be accepted (not used, revoked or expired), oldest first; their tokens are never shown again. */
export async function listOpenInvitations(db: Database) {
  return db
    .select(invitationColumns)
    .from(invitations)
    .where(and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
    .orderBy(asc(invitations.createdAt));
}

/** Withdraws an invitation so its token no longer works; one already accepted is an account now, to be disabled instead. */
export async function revokeInvitation(db: Database, id: string) {
  const [revoked] = await db
    .update(invitations)
    .set({ revokedAt: sql`coalesce(${invitations.revokedAt}, now())` })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning(invitationColumns);
  if (revoked) return revoked;
  const [accepted] = await db.select({ id: invitations.id }).from(invitations).where(eq(invitations.id, id));
  if (accepted) throw conflict('That invitation was already accepted; disable the account instead');
  throw notFound('Invitation', id);
}

/** Turns an invitation into an account. */
export async function acceptInvitation(db: Database, input: { token: string; name?: string; password: string }): Promise<User> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [invitation] = await tx
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tokenHash, sha256Hex(input.token)),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, new Date()),
        ),
      )
      .for('update');
    if (!invitation) throw new AppError('NOT_FOUND', 'This invitation is unknown, used or expired; ask for a new one');
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, invitation.email));
    if (taken) throw conflict(`${invitation.email} already has an account`);
    await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, invitation.id));
    const [user] = await tx
      .insert(users)
      .values({ email: invitation.email, name: input.name?.trim() ?? '', passwordHash, role: invitation.role as UserRole })
      .returning(userColumns);
    return user as User;
  });
}

/** Changes a role. The owner's role is fixed, and nobody is made owner this way. */
export async function setUserRole(db: Database, id: string, role: Exclude<UserRole, 'owner'>): Promise<{ before: UserRole; user: User }> {
  const current = await getUser(db, id);
  if (current.role === 'owner') throw new AppError('FORBIDDEN', "The owner's role cannot be changed");
  const [user] = await db.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id)).returning(userColumns);
  return { before: current.role, user: user as User };
}

/** Disables or re-enables an account; a disabled user's sessions and keys stop working at once. */
export async function setUserDisabled(db: Database, id: string, disabled: boolean): Promise<User> {
  const current = await getUser(db, id);
  if (current.role === 'owner') throw new AppError('FORBIDDEN', 'The owner cannot be disabled');
  const [user] = await db
    .update(users)
    .set({ disabledAt: disabled ? (current.disabledAt ?? new Date()) : null, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning(userColumns);
  return user as User;
}
