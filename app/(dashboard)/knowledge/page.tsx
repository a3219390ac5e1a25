import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Page } from '../../_components/ui/page';
import { requireUser } from '../../_lib/server/session';
import { SourcesView } from './sources-view';

export const metadata: Metadata = { title: 'Knowledge' };

/** The knowledge base: every source with live progress, filters in the URL, and the dialog that adds more. */
export default async function KnowledgePage() {
  await requireUser();
  return (
    <Page width="wide">
      <Suspense>
        <SourcesView />
      </Suspense>
    </Page>
  );
}
