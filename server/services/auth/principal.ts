import type { ApiKeyScope, UserRole } from '../../../db/schema/accounts';

/** What a caller may do: read, write (create and change data), admin (users, keys of others, settings). */
export type Capability = ApiKeyScope;

/** Who is calling, resolved once per request or WebSocket connection. */
export type Principal = {
  kind: 'session' | 'api-key' | 'system';
  userId: string | null;
  email: string | null;
  role: UserRole;
  capabilities: Capability[];
  sessionId?: string;
  keyId?: string;
  /** The value cookie-authenticated mutations must echo in `x-csrf-token`. */
  csrfToken?: string;
  /** When the key or session stops working, if ever; long-lived connections are closed then. */
  expiresAt?: Date | null;
};

const ROLE_CAPABILITIES: Record<UserRole, Capability[]> = {
  owner: ['read', 'write', 'admin'],
  admin: ['read', 'write', 'admin'],
  member: ['read', 'write'],
  viewer: ['read'],
};

/**
 * A key can never do more than its user: its scopes are cut down to the
 * user's role, so a viewer's key with a write scope still only reads, and a
 * key keeps working only as far as its user's current role allows.
 */
export function capabilitiesOf(role: UserRole, scopes?: readonly ApiKeyScope[]): Capability[] {
  const allowed = ROLE_CAPABILITIES[role];
  if (!scopes) return [...allowed];
  // A write scope implies read, an admin scope read and write: scopes are levels, not a menu.
  const wanted = new Set<Capability>(
    scopes.flatMap((s) => (s === 'admin' ? ['read', 'write', 'admin'] : s === 'write' ? ['read', 'write'] : ['read'])) as Capability[],
  );
  return allowed.filter((c) => wanted.has(c));
}

export const can = (p: Principal | null, c: Capability) => Boolean(p?.capabilities.includes(c));

/** In-process callers (tests, server-side jobs) act as the system with every capability. */
export const SYSTEM_PRINCIPAL: Principal = {
  kind: 'system',
  userId: null,
  email: null,
  role: 'owner',
  capabilities: ['read', 'write', 'admin'],
};

/** The user on whose behalf a call acts, recorded as the creator of what it starts; null for the system. */
export const actorId = (p: Principal | null | undefined): string | null => p?.userId ?? null;
