import type { Metadata } from 'next';
import { Suspense } from 'react';
import { requireUser } from '../../../../_lib/server/session';
import { ProjectTasks } from '../project-tasks';
import { BoardView } from './board-view';

export const metadata: Metadata = { title: 'Board' };

/** The project's kanban board, live for everyone on it. */
export default async function BoardPage({ params }: { params: Promise<{ projectId: string }> }) {
  await requireUser();
  const { projectId } = await params;
  return (
    <Suspense>
      <ProjectTasks projectId={projectId}>
        <BoardView />
      </ProjectTasks>
    </Suspense>
  );
}
