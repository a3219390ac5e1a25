import { FolderKanban } from 'lucide-react';
import type { Metadata } from 'next';
import { Badge } from '../../_components/ui/badge';
import { EmptyState } from '../../_components/ui/empty-state';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';

export const metadata: Metadata = { title: 'Projects' };

export default function ProjectsPage() {
  return (
    <Page>
      <PageHeader title="Projects" description="Projects, a live kanban board and versioned documents, shared by people and coding agents." />
      <EmptyState
        icon={FolderKanban}
        title="Projects are coming in part 2"
        description="The board, the task editor and project documents arrive in the next part of the dashboard. The API already serves them."
        action={<Badge variant="accent">Part 2</Badge>}
      />
    </Page>
  );
}
