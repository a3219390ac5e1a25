import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getRuntime } from '../../server/runtime/global';
import { needsSetup } from '../../server/services/auth/accounts';
import { AccountForm } from '../_components/auth/account-form';
import { AuthCard } from '../_components/auth/auth-card';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Welcome' };

/** First start: the owner account. Once it exists, this page only leads to sign-in. */
export default async function SetupPage() {
  const rt = await getRuntime();
  if (!(await needsSetup(rt.database.db))) redirect('/login');
  return (
    <AuthCard
      title="Welcome to Archon"
      description="Create the owner account. The owner manages people, API keys and settings."
      footer="Everything stays on this server."
    >
      <AccountForm mode="setup" />
    </AuthCard>
  );
}
