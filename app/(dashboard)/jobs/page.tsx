import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';
import { requireUser } from '../../_lib/server/session';
import { JobsView } from './jobs-view';

export const metadata: Metadata = { title: 'Jobs' };

export default async function JobsPage() {
  await requireUser();
  return (
    <Page>
      <PageHeader title="Jobs" description="Crawls, uploads, refreshes and re-embeddings, running and past." />
      {/* The filters live in the URL (useSearchParams), which needs a boundary. */}
      <Suspense>
        <JobsView />
      </Suspense>
    </Page>
  );
}
