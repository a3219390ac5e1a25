import { redirect } from 'next/navigation';
import { getRuntime } from '../server/runtime/global';
import { needsSetup } from '../server/services/auth/accounts';

export const dynamic = 'force-dynamic';

/** The front door: owner setup on first start, the knowledge base afterwards (which asks to sign in if needed). */
export default async function Home() {
  const rt = await getRuntime();
  redirect((await needsSetup(rt.database.db)) ? '/setup' : '/knowledge');
}
