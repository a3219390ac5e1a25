import { redirect } from 'next/navigation';
import { getRuntime } from '../../server/runtime/global';
import { needsSetup } from '../../server/services/auth/accounts';
import { AccountForm } from '../account-form';

export const dynamic = 'force-dynamic';

/** First start: the owner account. Once it exists, this page only leads to sign-in. */
export default async function SetupPage() {
  const rt = await getRuntime();
  if (!(await needsSetup(rt.database.db))) redirect('/login');
  return (
    <main style={{ maxWidth: 720, margin: '4rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Welcome to Archon</h1>
      <p>Create the owner account. The owner manages people, API keys and settings.</p>
      <AccountForm mode="setup" />
    </main>
  );
}
