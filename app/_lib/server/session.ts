import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { callerOf } from '../../../server/http/authorize';
import { getRuntime } from '../../../server/runtime/global';
import { getUser, needsSetup } from '../../../server/services/auth/accounts';
import { refusal } from '../../../server/services/auth/authorize';
import type { SessionUser } from '../session';

/**
 * Server components only. The person behind this request, or null; read once
 * per request however many layouts and pages ask (React `cache`).
 */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const rt = await getRuntime();
  const { principal } = await callerOf(rt, await headers());
  if (!principal || refusal(principal, 'read', { transport: 'http', mutation: false })) return null;
  const user = principal.userId ? await getUser(rt.database.db, principal.userId).catch(() => null) : null;
  return { id: principal.userId, email: principal.email, name: user?.name ?? '', role: principal.role, capabilities: principal.capabilities };
});

const ownerMissing = cache(async () => needsSetup((await getRuntime()).database.db));

/**
 * For every dashboard layout and page that reads data: sends people to /setup
 * while there is no owner, to /login when nobody is signed in, and returns the
 * user otherwise. Pages call it too, not only the layout: Next renders a page
 * alongside its layout, so a page must not count on the layout's redirect.
 */
export async function requireUser(): Promise<SessionUser> {
  if (await ownerMissing()) redirect('/setup');
  const user = await currentUser();
  if (!user) redirect('/login');
  return user;
}
