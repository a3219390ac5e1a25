import { CHANNELS } from '../realtime/channels';
import { openEventStream } from '../realtime/event-stream';
import {
  archiveTaskSchema,
  boardTasksSchema,
  createTaskSchema,
  editTaskSchema,
  listTasksSchema,
  moveTaskSchema,
  onTaskChangeSchema,
  taskCountsSchema,
  taskHistorySchema,
  taskIdSchema,
  updateTaskSchema,
} from '../schemas/tasks';
import { getProject } from '../services/projects/projects';
import { boardTasks, taskHistory, taskLinks } from '../services/tasks/task-board';
import { latestTaskEventId, taskEventsAfter } from '../services/tasks/task-events';
import * as tasks from '../services/tasks/tasks';
import { toTRPCError } from '../trpc/error-mapping';
import { readProcedure, router, writeProcedure } from '../trpc/init';

// Where tasks.create puts the task, as tasks.move names a place; an anchor that cannot be one is refused by its field.
const placeSchema = moveTaskSchema.pick({ afterId: true, beforeId: true }).shape;

export const tasksRouter = router({
  list: readProcedure.input(listTasksSchema).query(({ ctx, input }) => tasks.listTasks(ctx.db, input)),
  byId: readProcedure.input(taskIdSchema).query(({ ctx, input }) => tasks.getTask(ctx.db, input.id)),
  /** Every task of a project, subtasks included, without descriptions, and the event id to subscribe from. */
  board: readProcedure.input(boardTasksSchema).query(({ ctx, input }) => boardTasks(ctx.db, input)),
  /** The sources and code examples a task links to, with their titles and a preview of the code. */
  links: readProcedure.input(taskIdSchema).query(({ ctx, input }) => taskLinks(ctx.db, input.id)),
  /** What changed in a task and its subtasks, newest first, from the task events. */
  history: readProcedure.input(taskHistorySchema).query(({ ctx, input }) => taskHistory(ctx.db, input)),
  counts: readProcedure.input(taskCountsSchema).query(({ ctx, input }) => tasks.countTasks(ctx.db, input)),
  /** A new task at the end of its column, or right after `afterId` / before `beforeId` there, in one write. */
  create: writeProcedure.input(createTaskSchema.extend(placeSchema)).mutation(({ ctx, input }) => {
    const { afterId, beforeId, ...task } = input;
    return tasks.createTask(ctx.db, task, { afterId, beforeId });
  }),
  update: writeProcedure.input(updateTaskSchema).mutation(({ ctx, input }) => tasks.updateTask(ctx.db, input)),
  move: writeProcedure.input(moveTaskSchema).mutation(({ ctx, input }) => tasks.moveTask(ctx.db, input)),
  /** Fields and a move in one write (what the MCP manage_task tool does, also through a remote Archon). */
  edit: writeProcedure.input(editTaskSchema).mutation(({ ctx, input }) => tasks.editTask(ctx.db, input)),
  archive: writeProcedure.input(archiveTaskSchema).mutation(({ ctx, input }) => tasks.archiveTask(ctx.db, input)),
  unarchive: writeProcedure.input(taskIdSchema).mutation(({ ctx, input }) => tasks.unarchiveTask(ctx.db, input)),
  delete: writeProcedure.input(taskIdSchema).mutation(({ ctx, input }) => tasks.deleteTask(ctx.db, input.id)),

  /** Every change to the project's tasks, resumable with `lastEventId`. */
  onChange: readProcedure.input(onTaskChangeSchema).subscription(async ({ ctx, input, signal }) => {
    // Checked before the stream starts, so a bad project is NOT_FOUND rather than a failed stream.
    await getProject(ctx.db, input.projectId);
    return openEventStream({
      pubsub: ctx.pubsub,
      channel: CHANNELS.tasks,
      key: input.projectId,
      lastEventId: input.lastEventId,
      initialCursor: () => latestTaskEventId(ctx.db, input.projectId),
      fetchAfter: (cursor, limit) => taskEventsAfter(ctx.db, input.projectId, cursor, limit),
      // A deleted project takes its events with it: its board is told NOT_FOUND rather than left waiting.
      check: async () => {
        await getProject(ctx.db, input.projectId).catch((err: unknown) => {
          throw toTRPCError(err) ?? err;
        });
      },
      signal,
    });
  }),
});
