import { redirect } from 'next/navigation';
import { getRuntime } from '../server/runtime/global';
import { needsSetup } from '../server/services/auth/accounts';
import { getHealth } from '../server/services/system/health';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const rt = await getRuntime();
  if (await needsSetup(rt.database.db)) redirect('/setup');
  const health = await getHealth(rt.database, rt);
  return (
    <main style={{ maxWidth: 720, margin: '4rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Archon</h1>
      <p>Knowledge base, projects and tasks for AI coding assistants.</p>
      <ul>
        <li>
          Status: <strong data-testid="status">{health.status}</strong> (version {health.version})
        </li>
        <li>
          Database: {health.database.mode === 'embedded' ? 'embedded PGlite' : 'PostgreSQL server'} {health.database.serverVersion}, pgvector{' '}
          {health.database.pgvector}
        </li>
        <li>Migrations: {health.migrations?.current ? 'up to date' : 'pending'}</li>
      </ul>
      <p>
        The tRPC API is served at <code>/api/trpc</code> (HTTP) and <code>/api/trpc-ws</code> (WebSocket); health at <code>/api/health</code>.{' '}
        <a href="/login">Sign in</a>.
      </p>
    </main>
  );
}
