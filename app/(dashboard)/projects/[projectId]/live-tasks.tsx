'use client';

import { skipToken, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { toast } from 'sonner';
import { describeError, toastError } from '../../../_lib/errors';
import { useTRPC, useTRPCClient } from '../../../_lib/trpc';
import { type BoardTask, STATUS, type TaskPriority, type TaskStatus } from '../task-meta';
import { type Place, type TaskEventData, TasksStore, toBoardTask, type View } from './tasks-store';

type LoadState =
  | { status: 'loading' }
  | { status: 'ready'; cursor: string; truncated: boolean }
  | { status: 'error'; error: unknown }
  /** The server says the project no longer exists: deleted in another session while this one had it open. */
  | { status: 'gone' };

type LiveTasks = {
  store: TasksStore;
  projectId: string;
  includeArchived: boolean;
  load: LoadState;
  /** Reads the snapshot again (after a failed load or a failed stream). */
  reload: () => void;
};

const Context = createContext<LiveTasks | null>(null);

/**
 * A project's tasks, live: one snapshot (tasks.board), then tasks.onChange
 * from the snapshot's cursor, every event applied to the store. After a
 * dropped connection the client resubscribes from the last event it received
 * (wsLink does), so nothing is missed and nothing is read twice. No polling.
 */
export function LiveTasksProvider({ projectId, includeArchived, children }: { projectId: string; includeArchived: boolean; children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [store] = useState(() => new TasksStore());
  const [load, setLoad] = useState<LoadState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is a retry: reading again is the point
  useEffect(() => {
    let live = true;
    setLoad({ status: 'loading' });
    client.tasks.board
      .query({ projectId, includeArchived })
      .then((board) => {
        if (!live) return;
        store.load(board, includeArchived);
        setLoad({ status: 'ready', cursor: board.cursor, truncated: board.truncated });
      })
      .catch((error: unknown) => live && setLoad(describeError(error).code === 'NOT_FOUND' ? { status: 'gone' } : { status: 'error', error }));
    return () => {
      live = false;
    };
  }, [client, store, projectId, includeArchived, attempt]);

  const cursor = load.status === 'ready' ? load.cursor : null;
  const input = useMemo(() => (cursor === null ? skipToken : { projectId, lastEventId: cursor }), [projectId, cursor]);
  useSubscription(
    trpc.tasks.onChange.subscriptionOptions(input, {
      onData: (event) => store.receive(event.data as unknown as TaskEventData),
      onError: (error) => {
        // The stream ends NOT_FOUND when the project is deleted elsewhere: the board says so in place of its tasks.
        if (describeError(error).code === 'NOT_FOUND') {
          setLoad({ status: 'gone' });
          void queryClient.invalidateQueries(trpc.projects.pathFilter());
          return;
        }
        // Any other end (rights changed, say): say so.
        toastError(error, 'Live updates stopped');
      },
    }),
  );

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const value = useMemo(() => ({ store, projectId, includeArchived, load, reload }), [store, projectId, includeArchived, load, reload]);
  return <Context value={value}>{children}</Context>;
}

export function useLiveTasks(): LiveTasks {
  const value = useContext(Context);
  if (!value) throw new Error('useLiveTasks must be used inside LiveTasksProvider');
  return value;
}

/** What the board or table shows now; re-renders on every change. */
export function useTasksView(): View {
  const { store } = useLiveTasks();
  return useSyncExternalStore(store.subscribe, store.getView, store.getView);
}

export type UpdateFields = {
  title?: string;
  description?: string;
  status?: TaskStatus;
  assignee?: string;
  priority?: TaskPriority;
  feature?: string | null;
  sourceIds?: string[];
  codeExampleIds?: number[];
};

export type UpdateResult = { ok: true; task: BoardTask } | { ok: false; conflict: boolean; error: unknown };

/**
 * Every change the board, table and editor make, each shown at once and
 * taken back, with a message, when the server refuses. A refused change
 * re-reads the task, so the screen ends as the server has it.
 */
export function useTaskActions() {
  const { store, projectId } = useLiveTasks();
  const client = useTRPCClient();

  /** The task as the server has it now, into the store; 'gone' when it was deleted. */
  const refresh = useCallback(
    async (id: string): Promise<'found' | 'gone' | 'unknown'> => {
      try {
        const { subtasks: _s, ...task } = await client.tasks.byId.query({ id });
        store.upsert(toBoardTask(task, store.serverTask(id)), { notify: true });
        return 'found';
      } catch (err) {
        if (describeError(err).code === 'NOT_FOUND') {
          store.forget(id);
          return 'gone';
        }
        return 'unknown';
      }
    },
    [client, store],
  );

  const move = useCallback(
    async (task: BoardTask, place: Place, expectedVersion = task.version): Promise<boolean> => {
      // Asked before the store shows the move: mutations leave at once (immediateMutationLink), so the request
      // travels while the board renders the drop instead of waiting for that render.
      const request = client.tasks.move.mutate({
        id: task.id,
        status: place.status,
        afterId: place.afterId,
        beforeId: place.beforeId,
        expectedVersion,
      });
      const token = store.move(task.id, place);
      try {
        const saved = await request;
        store.upsert(toBoardTask(saved, store.serverTask(task.id)));
        return true;
      } catch (err) {
        const { code } = describeError(err);
        if (code === 'CONFLICT' || code === 'NOT_FOUND') {
          const state = await refresh(task.id);
          const now = store.serverTask(task.id);
          if (state === 'gone') toast.error(`“${task.title}” was deleted meanwhile`, { description: 'Someone deleted it while you were moving it.' });
          else
            toast.error(`“${task.title}” changed meanwhile`, {
              description: `Someone else moved or edited it at the same time, so your move was not made. It is back where the server has it${now ? `, in ${STATUS[now.status].label}` : ''}.`,
            });
        } else toastError(err, `Could not move “${task.title}”`);
        return false;
      } finally {
        store.settle(token);
      }
    },
    [client, store, refresh],
  );

  const update = useCallback(
    async (task: BoardTask, fields: UpdateFields, opts: { expectedVersion?: number; quiet?: boolean } = {}): Promise<UpdateResult> => {
      const { description, ...shown } = fields;
      const token = store.edit(task.id, { ...shown, ...(description !== undefined && { hasDescription: description !== '' }) });
      try {
        const saved = await client.tasks.update.mutate({ id: task.id, expectedVersion: opts.expectedVersion ?? task.version, ...fields });
        const next = toBoardTask(saved, store.serverTask(task.id));
        store.upsert(next);
        return { ok: true, task: next };
      } catch (err) {
        const { code } = describeError(err);
        const conflict = code === 'CONFLICT';
        if (conflict || code === 'NOT_FOUND') {
          const state = await refresh(task.id);
          if (state === 'gone') toast.error(`“${task.title}” was deleted meanwhile`);
        }
        if (!opts.quiet && !conflict) toastError(err, `Could not save “${task.title}”`);
        return { ok: false, conflict, error: err };
      } finally {
        store.settle(token);
      }
    },
    [client, store, refresh],
  );

  const create = useCallback(
    async (input: { title: string; status: TaskStatus; parentId?: string | null }): Promise<BoardTask | null> => {
      const { token } = store.create({ title: input.title, status: input.status, parentId: input.parentId ?? null });
      try {
        const saved = await client.tasks.create.mutate({
          projectId,
          title: input.title,
          status: input.status,
          parentId: input.parentId ?? undefined,
        });
        const task = toBoardTask(saved);
        store.upsert(task);
        return task;
      } catch (err) {
        toastError(err, 'Could not add the task');
        return null;
      } finally {
        store.settle(token);
      }
    },
    [client, store, projectId],
  );

  const unarchive = useCallback(
    async (task: BoardTask) => {
      try {
        await client.tasks.unarchive.mutate({ id: task.id });
        await refresh(task.id);
        toast.success(`“${task.title}” is back on the board`);
      } catch (err) {
        toastError(err, `Could not unarchive “${task.title}”`);
      }
    },
    [client, refresh],
  );

  const archive = useCallback(
    async (task: BoardTask, archivedBy: string): Promise<boolean> => {
      const token = store.includeArchived ? null : store.hide(task.id);
      try {
        await client.tasks.archive.mutate({ id: task.id, archivedBy });
        await refresh(task.id);
        toast.success(`Archived “${task.title}”`, { action: { label: 'Undo', onClick: () => void unarchive(task) } });
        return true;
      } catch (err) {
        toastError(err, `Could not archive “${task.title}”`);
        await refresh(task.id);
        return false;
      } finally {
        if (token !== null) store.settle(token);
      }
    },
    [client, store, refresh, unarchive],
  );

  const remove = useCallback(
    async (task: BoardTask): Promise<void> => {
      const token = store.hide(task.id);
      try {
        const { deleted } = await client.tasks.delete.mutate({ id: task.id });
        for (const id of deleted) store.forget(id);
        toast.success(`Deleted “${task.title}”`);
      } catch (err) {
        if (describeError(err).code === 'NOT_FOUND') store.forget(task.id);
        else {
          store.settle(token);
          throw err; // ConfirmDialog stays open and says why
        }
      } finally {
        store.settle(token);
      }
    },
    [client, store],
  );

  return { move, update, create, archive, unarchive, remove, refresh };
}
