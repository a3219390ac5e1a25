import { redirect } from 'next/navigation';
import { getRuntime } from '../../server/runtime/global';
import { needsSetup } from '../../server/services/auth/accounts';
import { AccountForm } from '../account-form';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  const rt = await getRuntime();
  if (await needsSetup(rt.database.db)) redirect('/setup');
  return (
    <main style={{ maxWidth: 720, margin: '4rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Sign in to Archon</h1>
      <AccountForm mode="login" />
    </main>
  );
}
