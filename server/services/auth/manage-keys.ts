import type { ApiKeyScope } from '../../../db/schema/accounts';
import type { Database } from '../../../db/types';
import { AppError } from '../../errors';
import { recordAudit } from '../security/audit-log';
import { type Actor, auditActor } from './actor';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { can, type Principal } from './principal';
import { announceRevocation } from './revocations';

function requireUser(principal: Principal): string {
  if (!principal.userId) throw new AppError('FORBIDDEN', 'API keys belong to people; sign in as one');
  return principal.userId;
}

/** The scope a key gets when none is asked for: the most the caller can give (scopes are levels, so one is enough). */
export const defaultScopes = (principal: Principal): ApiKeyScope[] => [
  can(principal, 'admin') ? 'admin' : can(principal, 'write') ? 'write' : 'read',
];

/** Creates a key for the caller. A key can never be given more than the caller can do. */
export async function createOwnKey(db: Database, actor: Actor, input: { name: string; scopes?: ApiKeyScope[]; expiresAt?: Date }) {
  const userId = requireUser(actor.principal);
  const scopes = input.scopes ?? defaultScopes(actor.principal);
  const beyond = scopes.filter((s) => !can(actor.principal, s));
  if (beyond.length) throw new AppError('FORBIDDEN', `You cannot give a key the ${beyond.join(', ')} scope: your role does not have it`);
  const created = await createApiKey(db, userId, { ...input, scopes });
  await recordAudit(db, { action: 'api_key.created', ...auditActor(actor), target: created.apiKey.prefix, details: { name: input.name, scopes } });
  return created;
}

/** The caller's keys, or everyone's for admins who ask. */
export async function listKeys(db: Database, principal: Principal, allUsers: boolean) {
  if (allUsers && !can(principal, 'admin')) throw new AppError('FORBIDDEN', "Listing other people's keys needs admin access");
  return listApiKeys(db, allUsers ? {} : { userId: requireUser(principal) });
}

/** Revokes a key: one's own, or anyone's for admins. Open connections using it are closed at once. */
export async function revokeKey(db: Database, actor: Actor, id: string) {
  const ownerOnly = can(actor.principal, 'admin') ? undefined : requireUser(actor.principal);
  const key = await revokeApiKey(db, id, ownerOnly);
  await announceRevocation(db, { keyId: key.id });
  await recordAudit(db, { action: 'api_key.revoked', ...auditActor(actor), target: key.prefix });
  return key;
}
