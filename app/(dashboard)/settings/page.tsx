import { ShieldCheck } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { getRuntime } from '../../../server/runtime/global';
import { getHealth } from '../../../server/services/system/health';
import { Alert } from '../../_components/ui/alert';
import { Badge } from '../../_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../_components/ui/card';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';
import { requireUser } from '../../_lib/server/session';
import { ProvidersSection } from './providers-section';
import { SettingsNav } from './settings-nav';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const user = await requireUser();
  const admin = user.capabilities.includes('admin');
  const rt = await getRuntime();
  const health = await getHealth(rt.database, rt);
  const rows: [string, string][] = [
    ['Version', health.version],
    ['Database', `${health.database.mode === 'embedded' ? 'Embedded PGlite' : 'PostgreSQL server'} ${health.database.serverVersion ?? ''}`.trim()],
    ['pgvector', health.database.pgvector ?? 'not installed'],
    ['Migrations', health.migrations?.current ? 'Up to date' : 'Pending'],
  ];
  if (health.database.busyForMs !== undefined)
    rows.push(['Activity', `Busy: no answer for ${(health.database.busyForMs / 1000).toFixed(1)} s, shown from its last answer`]);
  return (
    <Page width="narrow">
      <PageHeader title="Settings" description="Providers, defaults and people. Most settings need the admin role." />
      <SettingsNav />
      <div className="grid gap-5">
        {admin ? (
          <ProvidersSection />
        ) : (
          <Alert title="Settings are managed by admins">
            Providers, people and the audit log are changed by the owner and admins of this server. Ask one of them if something needs to change.
          </Alert>
        )}
        <Card aria-labelledby="server-title">
          <CardHeader>
            <div>
              <CardTitle id="server-title">Server</CardTitle>
              <CardDescription>This Archon instance, as its health check sees it.</CardDescription>
            </div>
            <Badge variant={health.status === 'ok' ? 'success' : 'warning'} dot data-testid="status">
              {health.status === 'ok' ? 'Healthy' : 'Degraded'}
            </Badge>
          </CardHeader>
          <CardContent>
            <dl className="grid gap-x-6 gap-y-2.5 border-t border-border pt-4 text-sm sm:grid-cols-[11rem_1fr]">
              {rows.map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-muted-foreground">{k}</dt>
                  <dd className="font-mono text-[13px]">{v}</dd>
                </div>
              ))}
            </dl>
          </CardContent>
        </Card>
        {!admin && (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <ShieldCheck aria-hidden className="size-4" /> You are signed in as {user.role === 'viewer' ? 'a viewer' : `a ${user.role}`}.{' '}
            <Link href="/account" className="focus-ring rounded-sm font-medium text-accent-text underline-offset-2 hover:underline">
              What your role allows
            </Link>
          </p>
        )}
      </div>
    </Page>
  );
}
