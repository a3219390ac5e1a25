import { z } from 'zod';
import { paginationSchema, storableDate, uuidSchema } from './common';

/** Everything the audit log records. Names are `<subject>.<what happened>`. */
export const AUDIT_ACTIONS = [
  'auth.setup',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'user.invited',
  'user.invitation_revoked',
  'user.joined',
  'user.role_changed',
  'user.disabled',
  'api_key.created',
  'api_key.revoked',
  'source.deleted',
  'settings.changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const listAuditSchema = paginationSchema
  .extend({
    action: z.enum(AUDIT_ACTIONS).optional(),
    actorUserId: uuidSchema.optional(),
    /** Only entries older than this; keeps pages stable while new entries arrive. */
    before: storableDate(z.coerce.date()).optional(),
    /** Only entries at this time or later (with `before`, a date range). */
    after: storableDate(z.coerce.date()).optional(),
  })
  .prefault({});

export type ListAuditInput = z.infer<typeof listAuditSchema>;
