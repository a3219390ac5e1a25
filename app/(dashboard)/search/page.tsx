import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';
import { requireUser } from '../../_lib/server/session';
import { SearchView } from './search-view';

export const metadata: Metadata = { title: 'Search' };

export default async function SearchPage() {
  await requireUser();
  return (
    <Page>
      <PageHeader title="Search" description="Hybrid, vector or full-text search over every source, and over code examples." />
      {/* The view reads its state from the URL (useSearchParams), which needs a boundary. */}
      <Suspense>
        <SearchView />
      </Suspense>
    </Page>
  );
}
