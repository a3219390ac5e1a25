'use client';

import { createContext, type ReactNode, useContext } from 'react';

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export type Capability = 'read' | 'write' | 'admin';

/** The signed-in person, as the dashboard layout read it on the server (plain data, safe to send to the browser). */
export type SessionUser = {
  id: string | null;
  email: string | null;
  name: string;
  role: Role;
  capabilities: Capability[];
};

const SessionContext = createContext<SessionUser | null>(null);

export function SessionProvider({ user, children }: { user: SessionUser; children: ReactNode }) {
  return <SessionContext value={user}>{children}</SessionContext>;
}

/**
 * The signed-in user, in any client component under app/(dashboard). Use `can` to hide
 * what the server would refuse anyway (a viewer gets no write buttons): `const { can } = useSession(); can('write')`.
 */
export function useSession(): SessionUser & { can: (c: Capability) => boolean; displayName: string } {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSession must be used inside the dashboard layout');
  return { ...user, can: (c) => user.capabilities.includes(c), displayName: user.name || user.email || 'Signed in' };
}
