import { FileQuestion } from 'lucide-react';
import Link from 'next/link';
import { Button } from '../_components/ui/button';
import { EmptyState } from '../_components/ui/empty-state';
import { Page } from '../_components/ui/page';

/** notFound() from a dashboard page: said inside the shell, with a way back. */
export default function DashboardNotFound() {
  return (
    <Page>
      <EmptyState
        icon={FileQuestion}
        title="Not found"
        description="It may have been deleted, or the link is wrong."
        action={
          <Button asChild>
            <Link href="/knowledge">Back to Knowledge</Link>
          </Button>
        }
        headingLevel={1}
        className="mt-8"
      />
    </Page>
  );
}
