import { ShieldAlert } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../../_components/ui/empty-state';
import { Page } from '../../../_components/ui/page';
import { PageHeader } from '../../../_components/ui/page-header';
import { requireUser } from '../../../_lib/server/session';
import { SettingsNav } from '../settings-nav';
import { AuditLog } from './audit-log';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditPage() {
  const user = await requireUser();
  return (
    <Page>
      <PageHeader title="Settings" description="Who did what: sign-ins, people, API keys, deletions and settings changes." />
      <SettingsNav />
      {user.capabilities.includes('admin') ? (
        <AuditLog />
      ) : (
        <EmptyState icon={ShieldAlert} title="Only admins read the audit log" description="Ask the owner or an admin of this server." />
      )}
    </Page>
  );
}
