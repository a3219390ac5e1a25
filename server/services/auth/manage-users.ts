import type { Database } from '../../../db/types';
import { recordAudit } from '../security/audit-log';
import { inviteUser, revokeInvitation, setUserDisabled, setUserRole } from './accounts';
import { type Actor, auditActor } from './actor';
import { announceRevocation } from './revocations';
import { revokeUserSessions } from './sessions';

type InvitableRole = 'admin' | 'member' | 'viewer';

export async function invite(db: Database, actor: Actor, input: { email: string; role: InvitableRole }) {
  const result = await inviteUser(db, input, actor.principal.userId);
  await recordAudit(db, { action: 'user.invited', ...auditActor(actor), target: result.invitation.email, details: { role: input.role } });
  return result;
}

/** Withdraws an invitation that was not accepted yet (sent to the wrong address, or by someone who has left). */
export async function withdrawInvitation(db: Database, actor: Actor, id: string) {
  const invitation = await revokeInvitation(db, id);
  await recordAudit(db, { action: 'user.invitation_revoked', ...auditActor(actor), target: invitation.email });
  return invitation;
}

/** A role change applies to the next request at once; open WebSocket connections are closed so they re-authenticate. */
export async function changeRole(db: Database, actor: Actor, id: string, role: InvitableRole) {
  const { before, user } = await setUserRole(db, id, role);
  if (before !== role) {
    await announceRevocation(db, { userId: id });
    await recordAudit(db, { action: 'user.role_changed', ...auditActor(actor), target: user.email, details: { from: before, to: role } });
  }
  return user;
}

/** Disabling ends every session and stops every key of the user. */
export async function changeDisabled(db: Database, actor: Actor, id: string, disabled: boolean) {
  const user = await setUserDisabled(db, id, disabled);
  if (disabled) {
    await revokeUserSessions(db, id);
    await announceRevocation(db, { userId: id });
  }
  await recordAudit(db, { action: 'user.disabled', ...auditActor(actor), target: user.email, details: { disabled } });
  return user;
}
