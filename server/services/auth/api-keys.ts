import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { type ApiKeyScope, apiKeys, users } from '../../../db/schema/accounts';
import type { Database } from '../../../db/types';
import { badRequest, notFound } from '../../errors';
import { safeEqual, sha256Hex } from '../security/tokens';
import { capabilitiesOf, type Principal } from './principal';

// Recording every use would write on every request; a minute is precise enough.
const LAST_USED_RESOLUTION_MS = 60_000;
const KEY_PATTERN = /^(ak_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const keyColumns = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};
export type ApiKeyRecord = {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

/** `ak_<12 hex>_<32 random bytes>`: the first part is shown in lists, the whole key only once. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `ak_${randomBytes(6).toString('hex')}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** Creates a key for a user. The plaintext is returned here and never again; only its hash is stored. */
export async function createApiKey(
  db: Database,
  userId: string,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date | null },
  key = generateApiKey(),
): Promise<{ key: string; apiKey: ApiKeyRecord }> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt: must be in the future', { field: 'expiresAt' });
  const match = KEY_PATTERN.exec(key.key);
  if (!match || match[1] !== key.prefix) throw badRequest('The API key is not in the ak_<12 hex>_<43 base64url> form');
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId,
      name: input.name,
      prefix: key.prefix,
      keyHash: sha256Hex(key.key),
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ?? null,
    })
    .returning(keyColumns);
  return { key: key.key, apiKey: row as ApiKeyRecord };
}

/** A user's keys (or everyone's, for admins), newest first, without hashes. */
export async function listApiKeys(db: Database, filter: { userId?: string }) {
  return (await db
    .select({ ...keyColumns, userEmail: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(filter.userId ? eq(apiKeys.userId, filter.userId) : undefined)
    .orderBy(desc(apiKeys.createdAt))) as (ApiKeyRecord & { userEmail: string })[];
}

/** Revokes a key; `ownerId` limits it to that user's keys (members may revoke only their own). */
export async function revokeApiKey(db: Database, id: string, ownerId?: string): Promise<ApiKeyRecord> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(eq(apiKeys.id, id), ownerId ? eq(apiKeys.userId, ownerId) : undefined))
    .returning(keyColumns);
  if (!row) throw notFound('API key', id);
  return row as ApiKeyRecord;
}

/** The principal behind a presented key, or null for anything unknown, revoked, expired or of a disabled user. */
export async function resolveApiKey(db: Database, presented: string): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(presented.trim());
  if (!match) return null;
  const [row] = await db
    .select({
      id: apiKeys.id,
      hash: apiKeys.keyHash,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      userId: users.id,
      email: users.email,
      role: users.role,
      disabledAt: users.disabledAt,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.prefix, match[1]!));
  if (!row || !safeEqual(row.hash, sha256Hex(presented.trim()))) return null;
  if (row.revokedAt || row.disabledAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: new Date() })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(Date.now() - LAST_USED_RESOLUTION_MS)))));
  }
  return {
    kind: 'api-key',
    userId: row.userId,
    email: row.email,
    role: row.role,
    capabilities: capabilitiesOf(row.role, row.scopes),
    keyId: row.id,
    expiresAt: row.expiresAt,
  };
}
