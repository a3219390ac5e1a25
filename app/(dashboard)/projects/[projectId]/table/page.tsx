import type { Metadata } from 'next';
import { Suspense } from 'react';
import { requireUser } from '../../../../_lib/server/session';
import { ProjectTasks } from '../project-tasks';
import { TableView } from './table-view';

export const metadata: Metadata = { title: 'Table' };

/** The project's tasks as a sortable table with inline edits, live like the board. */
export default async function TablePage({ params }: { params: Promise<{ projectId: string }> }) {
  await requireUser();
  const { projectId } = await params;
  return (
    <Suspense>
      <ProjectTasks projectId={projectId}>
        <TableView />
      </ProjectTasks>
    </Suspense>
  );
}
