import { Search } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../_components/ui/empty-state';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';

export const metadata: Metadata = { title: 'Search' };

export default function SearchPage() {
  return (
    <Page>
      <PageHeader title="Search" description="Hybrid, vector or full-text search over every source, and over code examples." />
      <EmptyState
        icon={Search}
        title="Search your knowledge"
        description="Results will show each match's page and section, with the matched terms highlighted and a link to the exact spot."
      />
    </Page>
  );
}
