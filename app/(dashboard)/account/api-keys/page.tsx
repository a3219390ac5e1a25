import type { Metadata } from 'next';
import { Page } from '../../../_components/ui/page';
import { requireUser } from '../../../_lib/server/session';
import { ApiKeysView } from './api-keys-view';

export const metadata: Metadata = { title: 'API keys' };

export default async function ApiKeysPage() {
  await requireUser();
  return (
    <Page>
      <ApiKeysView />
    </Page>
  );
}
