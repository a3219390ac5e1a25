import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getRuntime } from '../../server/runtime/global';
import { needsSetup } from '../../server/services/auth/accounts';
import { AccountForm } from '../_components/auth/account-form';
import { AuthCard } from '../_components/auth/auth-card';
import { safeNext } from '../_lib/auth';
import { currentUser } from '../_lib/server/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const rt = await getRuntime();
  if (await needsSetup(rt.database.db)) redirect('/setup');
  const raw = (await searchParams).next;
  const next = safeNext(Array.isArray(raw) ? raw[0] : raw);
  // Already signed in (a second tab, the back button): straight on.
  if (await currentUser()) redirect(next);
  return (
    <AuthCard
      title="Sign in to Archon"
      description="Your knowledge base, projects and tasks."
      footer="No account? Ask an admin of this server for an invitation."
    >
      <AccountForm mode="login" next={next} />
    </AuthCard>
  );
}
