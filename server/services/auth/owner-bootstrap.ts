import { and, eq } from 'drizzle-orm';
import { apiKeys, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { badRequest } from '../../errors';
import { needsSetup, normalizeEmail, setupOwner } from './accounts';
import { createApiKey } from './api-keys';

export type OwnerBootstrap = { email?: string; password?: string; apiKey?: string };

/**
 * Creates the owner from ARCHON_OWNER_EMAIL / ARCHON_OWNER_PASSWORD when no
 * account exists yet (a deployment that must not wait for someone to open the
 * dashboard), and registers ARCHON_OWNER_API_KEY as an admin key of the owner
 * (for automation that needs a key known in advance). Later starts change nothing.
 */
export async function bootstrapOwner(db: Database, opts: OwnerBootstrap): Promise<{ createdOwner: boolean; createdKey: boolean }> {
  let createdOwner = false;
  if (opts.email && opts.password && (await needsSetup(db))) {
    await setupOwner(db, { email: opts.email, password: opts.password, name: 'Owner' });
    createdOwner = true;
  }
  if (!opts.apiKey) return { createdOwner, createdKey: false };
  const [owner] = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.role, 'owner'));
  if (!owner) throw badRequest('ARCHON_OWNER_API_KEY needs an owner: set ARCHON_OWNER_EMAIL and ARCHON_OWNER_PASSWORD, or create the owner first');
  if (opts.email && normalizeEmail(opts.email) !== owner.email) {
    throw badRequest(`ARCHON_OWNER_EMAIL is ${normalizeEmail(opts.email)} but the owner is ${owner.email}`);
  }
  const prefix = opts.apiKey.split('_').slice(0, 2).join('_');
  const [existing] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, prefix), eq(apiKeys.userId, owner.id)));
  if (existing) return { createdOwner, createdKey: false };
  await createApiKey(db, owner.id, { name: 'ARCHON_OWNER_API_KEY', scopes: ['admin'] }, { key: opts.apiKey, prefix });
  return { createdOwner, createdKey: true };
}
