import { z } from 'zod';
import { API_KEY_SCOPES } from '../../db/schema/accounts';
import { storableDate, titleSchema, uuidSchema } from './common';

export const emailSchema = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an email address'));
/** Length and content rules are checked by the password policy, with a message saying which one failed. */
export const passwordSchema = z.string().max(256, 'must be at most 256 characters');

export const setupInputSchema = z.object({ email: emailSchema, password: passwordSchema, name: titleSchema(200).optional() });
export const loginInputSchema = z.object({ email: emailSchema, password: passwordSchema });
export const acceptInviteInputSchema = z.object({
  token: z.string().trim().min(20).max(200),
  password: passwordSchema,
  name: titleSchema(200).optional(),
});

export const createApiKeySchema = z.object({
  name: titleSchema(100),
  /** Leave out for the most the caller can give: admin for owners and admins, write for members, read for viewers. */
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'give at least one scope').max(3).optional(),
  /** Leave out for a key that does not expire. */
  expiresAt: storableDate(z.date()).optional(),
});
export const listApiKeysSchema = z.object({ allUsers: z.boolean().default(false) }).default({ allUsers: false });
export const revokeApiKeySchema = z.object({ id: uuidSchema });

export const INVITABLE_ROLES = ['admin', 'member', 'viewer'] as const;
export const inviteUserSchema = z.object({ email: emailSchema, role: z.enum(INVITABLE_ROLES) });
export const setRoleSchema = z.object({ id: uuidSchema, role: z.enum(INVITABLE_ROLES) });
export const setDisabledSchema = z.object({ id: uuidSchema, disabled: z.boolean() });
export const revokeInvitationSchema = z.object({ id: uuidSchema });
