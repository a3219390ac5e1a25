'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useState } from 'react';
import { useUrlState } from '../../knowledge/url-state';

/** Opens a task in the editor (`?task=<id>`, so the link can be shared and Back closes it); null closes it. */
export function useOpenTask() {
  const { set } = useUrlState();
  return useCallback((id: string | null) => set({ task: id }, { push: true }), [set]);
}

// The editor (Markdown and its preview, subtasks, links, history) is much of the board's script, and most visits open no task.
const TaskEditor = dynamic(() => import('./task-editor').then((m) => m.TaskEditor), { ssr: false });

/**
 * The task editor beside the board or the table, loaded the first time a task
 * is opened (`?task=`) and then kept, so it closes as a dialog does (focus back
 * where it was).
 */
export function TaskEditorLoader() {
  const { params } = useUrlState();
  const asked = Boolean(params.get('task'));
  const [wanted, setWanted] = useState(asked);
  useEffect(() => {
    if (asked) setWanted(true);
  }, [asked]);
  return wanted ? <TaskEditor /> : null;
}
