import { KeyRound } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../../_components/ui/empty-state';
import { Page } from '../../../_components/ui/page';
import { PageHeader } from '../../../_components/ui/page-header';

export const metadata: Metadata = { title: 'API keys' };

export default function ApiKeysPage() {
  return (
    <Page width="narrow">
      <PageHeader
        title="API keys"
        description="Keys let scripts, tRPC clients and MCP clients act as you, never with more rights than your role."
        breadcrumbs={[{ label: 'Account', href: '/account' }, { label: 'API keys' }]}
      />
      <EmptyState icon={KeyRound} title="No API keys yet" description="A new key is shown once, with a copy button; afterwards only its prefix is." />
    </Page>
  );
}
