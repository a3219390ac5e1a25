import type { Principal } from './principal';

/** Who acts, and from where: what the audit log records for an action. */
export type Actor = { principal: Principal; ip: string | null };

export const auditActor = (a: Actor) => ({ actorUserId: a.principal.userId, actorKeyId: a.principal.keyId ?? null, ip: a.ip });
