import { ListChecks } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../_components/ui/empty-state';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';

export const metadata: Metadata = { title: 'Jobs' };

export default function JobsPage() {
  return (
    <Page>
      <PageHeader title="Jobs" description="Crawls, uploads, refreshes and re-embeddings, running and past." />
      <EmptyState
        icon={ListChecks}
        title="No jobs yet"
        description="When a crawl or upload starts, it shows up here with its progress, counts and a live event log."
      />
    </Page>
  );
}
