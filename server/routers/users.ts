import { listAuditSchema } from '../schemas/audit';
import { inviteUserSchema, revokeInvitationSchema, setDisabledSchema, setRoleSchema } from '../schemas/auth';
import { listOpenInvitations, listUsers } from '../services/auth/accounts';
import { changeDisabled, changeRole, invite, withdrawInvitation } from '../services/auth/manage-users';
import { listAudit } from '../services/security/audit-log';
import { adminProcedure, router } from '../trpc/init';

/** People and the audit log: admins only. */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  /** Returns the invitation and its one-time token, to send to the person. */
  invite: adminProcedure.input(inviteUserSchema).mutation(({ ctx, input }) => invite(ctx.db, ctx.actor, input)),
  invitations: router({
    /** Invitations still open, without their tokens. */
    list: adminProcedure.query(({ ctx }) => listOpenInvitations(ctx.db)),
    revoke: adminProcedure.input(revokeInvitationSchema).mutation(({ ctx, input }) => withdrawInvitation(ctx.db, ctx.actor, input.id)),
  }),
  setRole: adminProcedure.input(setRoleSchema).mutation(({ ctx, input }) => changeRole(ctx.db, ctx.actor, input.id, input.role)),
  setDisabled: adminProcedure.input(setDisabledSchema).mutation(({ ctx, input }) => changeDisabled(ctx.db, ctx.actor, input.id, input.disabled)),
  audit: adminProcedure.input(listAuditSchema).query(({ ctx, input }) => listAudit(ctx.db, input)),
});
