'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useState } from 'react';
import { useUrlState } from '../../knowledge/url-state';

/** How many task entries, opened one from another, this history entry is above the page without one. */
const depthOf = (state: unknown) => {
  const n = (state as { archonTaskDepth?: unknown } | null)?.archonTaskDepth;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
};

/**
 * Opens a task in the editor (`?task=<id>`, so the link can be shared and Back closes it); null closes it.
 * Closing goes back past the entries opening pushed, so that Back afterwards leaves the page instead of
 * reopening the task; a task reached by a link is closed in place.
 */
export function useOpenTask() {
  const { set } = useUrlState();
  return useCallback(
    (id: string | null) => {
      const depth = depthOf(window.history.state);
      if (id !== null) set({ task: id }, { push: true, state: { archonTaskDepth: depth + 1 } });
      else if (depth > 0) window.history.go(-depth);
      else set({ task: null });
    },
    [set],
  );
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
