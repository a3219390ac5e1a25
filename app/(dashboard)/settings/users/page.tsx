import { ShieldAlert } from 'lucide-react';
import type { Metadata } from 'next';
import { getRuntime } from '../../../../server/runtime/global';
import { EmptyState } from '../../../_components/ui/empty-state';
import { Page } from '../../../_components/ui/page';
import { PageHeader } from '../../../_components/ui/page-header';
import { requireUser } from '../../../_lib/server/session';
import { SettingsNav } from '../settings-nav';
import { PeopleView } from './people-view';

export const metadata: Metadata = { title: 'People' };

export default async function PeoplePage() {
  const user = await requireUser();
  const publicUrl = (await getRuntime()).config.ARCHON_PUBLIC_URL ?? null;
  return (
    <Page width="narrow">
      <PageHeader title="Settings" description="People with access to this server, and the invitations still open." />
      <SettingsNav />
      {user.capabilities.includes('admin') ? (
        <PeopleView origin={publicUrl} />
      ) : (
        <EmptyState
          icon={ShieldAlert}
          title="Only admins manage people"
          description="Ask the owner or an admin of this server to invite someone or change a role."
        />
      )}
    </Page>
  );
}
