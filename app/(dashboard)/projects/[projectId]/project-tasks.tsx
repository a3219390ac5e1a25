'use client';

import type { ReactNode } from 'react';
import { LiveTasksProvider } from './live-tasks';
import { useTaskFilters } from './task-filters';

/** The live tasks of the board and the table, archived ones included when "Show archived" is on. */
export function ProjectTasks({ projectId, children }: { projectId: string; children: ReactNode }) {
  const { filters } = useTaskFilters();
  return (
    <LiveTasksProvider projectId={projectId} includeArchived={filters.archived}>
      {children}
    </LiveTasksProvider>
  );
}
