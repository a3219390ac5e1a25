import type { ReactNode } from 'react';
import { AppShell } from '../_components/shell/app-shell';
import { requireUser } from '../_lib/server/session';
import { SessionProvider } from '../_lib/session';
import { TrpcProvider } from '../_lib/trpc-provider';

export const dynamic = 'force-dynamic';

/**
 * Every signed-in page: owner setup first, then sign-in, then the shell with
 * the data layer (tRPC over HTTP and the live WebSocket) and the session.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <SessionProvider user={user}>
      <TrpcProvider>
        <AppShell>{children}</AppShell>
      </TrpcProvider>
    </SessionProvider>
  );
}
