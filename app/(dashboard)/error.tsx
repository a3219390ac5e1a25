'use client';

import { ErrorState } from '../_components/ui/error-state';
import { Page } from '../_components/ui/page';

/** A page that failed to render, inside the shell, so the rest of the dashboard stays usable. */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Page>
      <ErrorState error={error} title="This page could not be shown" onRetry={reset} headingLevel={1} className="mt-8" />
    </Page>
  );
}
