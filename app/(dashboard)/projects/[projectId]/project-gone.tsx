import { FolderX } from 'lucide-react';
import Link from 'next/link';
import { Button } from '../../../_components/ui/button';
import { EmptyState } from '../../../_components/ui/empty-state';

/** What the board and the table show once the server says their project no longer exists (deleted in another session). */
export function ProjectGone() {
  return (
    <EmptyState
      icon={FolderX}
      title="This project was deleted"
      description="It was deleted elsewhere while it was open here, with its tasks and documents."
      action={
        <Button asChild variant="primary">
          <Link href="/projects">Back to projects</Link>
        </Button>
      }
    />
  );
}
