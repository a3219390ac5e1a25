import { z } from 'zod';
import { int4Schema, textSchema, titleSchema, uuidSchema } from '../schemas/common';
import { createTaskSchema, taskPrioritySchema, taskStatusSchema } from '../schemas/tasks';
import type { Task } from '../services/tasks/tasks';
import { ToolInputError } from './errors';
import { clip, defineTool, pageOf, pageParams, READ_ONLY, type ToolDef, toJson, WRITES } from './tool';

type TaskLike = Task & { subtaskCount?: number };

const taskItem = (t: TaskLike, full: boolean) =>
  toJson({
    id: t.id,
    projectId: t.projectId,
    parentId: t.parentId,
    title: t.title,
    description: full ? t.description : clip(t.description, 1000),
    status: t.status,
    assignee: t.assignee,
    priority: t.priority,
    feature: t.feature,
    version: t.version,
    archived: t.archived,
    sourceIds: t.sourceIds,
    codeExampleIds: t.codeExampleIds,
    ...(t.subtaskCount !== undefined ? { subtaskCount: t.subtaskCount } : {}),
    updatedAt: t.updatedAt,
  });
const taskSchema = z.looseObject({ id: z.string(), status: z.string(), version: z.number() });
const taskLine = (t: ReturnType<typeof taskItem>) =>
  `- [${t.status}] ${t.title} [task_id ${t.id}] ${t.priority}, ${t.assignee}${t.feature ? `, feature ${t.feature}` : ''}` +
  `${t.parentId ? `, subtask of ${t.parentId}` : ''}${t.subtaskCount ? `, ${t.subtaskCount} subtask(s)` : ''}, v${t.version}`;

const findTasks = defineTool({
  name: 'find_tasks',
  access: 'read',
  description: 'List or search tasks, or get one with its subtasks (task_id). filter_by status, project or assignee with filter_value.',
  input: z.strictObject({
    query: textSchema(200).trim().optional(),
    task_id: uuidSchema.optional(),
    filter_by: z.enum(['status', 'project', 'assignee']).optional(),
    // As an assignee is given (titleSchema), so that a bad one is refused by this parameter rather than by the service's.
    filter_value: titleSchema(100).optional(),
    project_id: uuidSchema.optional(),
    include_closed: z.boolean().default(true).describe('Include done tasks'),
    ...pageParams,
  }),
  output: z.object({ task: taskSchema.optional(), tasks: z.array(taskSchema).optional(), total: z.number().optional() }),
  aliases: { id: 'task_id', projectId: 'project_id', limit: 'per_page' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    if (args.task_id) {
      const t = await backend.getTask(args.task_id);
      const task = { ...taskItem(t, true), subtasks: t.subtasks.map((s) => taskItem(s, false)) };
      const subtasks = task.subtasks.length ? `\nSubtasks:\n${task.subtasks.map(taskLine).join('\n')}` : '';
      return { data: { task }, text: `${taskLine(task)}\n${task.description}${subtasks}` };
    }
    if (args.filter_by && !args.filter_value) throw new ToolInputError(`filter_value: is required with filter_by ${args.filter_by}`);
    let status: z.infer<typeof taskStatusSchema> | z.infer<typeof taskStatusSchema>[] | undefined = args.include_closed
      ? undefined
      : ['todo', 'doing', 'review'];
    let projectId = args.project_id;
    let assignee: string | undefined;
    if (args.filter_by === 'status') {
      const parsed = taskStatusSchema.safeParse(args.filter_value);
      if (!parsed.success) throw new ToolInputError('filter_value: must be todo, doing, review or done with filter_by status');
      status = parsed.data;
    } else if (args.filter_by === 'project') {
      const parsed = uuidSchema.safeParse(args.filter_value);
      if (!parsed.success) throw new ToolInputError('filter_value: must be a project id (UUID) with filter_by project');
      projectId = parsed.data;
    } else if (args.filter_by === 'assignee') assignee = args.filter_value;
    const page = await backend.listTasks({ projectId, status, assignee, query: args.query || undefined, ...pageOf(args) });
    const tasks = page.items.map((t) => taskItem(t, false));
    return { data: { tasks, total: page.total }, text: [`${tasks.length} of ${page.total} task(s):`, ...tasks.map(taskLine)].join('\n') };
  },
});

const manageTask = defineTool({
  name: 'manage_task',
  access: 'write',
  description:
    'Create, update or delete (archive) a task. A status change moves it to the end of that column, or after_task_id/before_task_id there. ' +
    'Cycle: todo → doing → review → done.',
  input: z.strictObject({
    action: z.enum(['create', 'update', 'delete']),
    task_id: uuidSchema.optional(),
    project_id: uuidSchema.optional(),
    parent_task_id: uuidSchema.optional().describe('Makes it a subtask (one level)'),
    title: titleSchema(500).optional(),
    description: textSchema(100_000).optional(),
    status: taskStatusSchema.optional(),
    assignee: titleSchema(100).optional().describe('"User", "Coding Agent" or any agent name'),
    priority: taskPrioritySchema.optional(),
    feature: titleSchema(100).optional(),
    after_task_id: uuidSchema.optional(),
    before_task_id: uuidSchema.optional(),
    source_ids: createTaskSchema.shape.sourceIds.describe('Linked knowledge sources (replaces the list)'),
    code_example_ids: createTaskSchema.shape.codeExampleIds,
    expected_version: int4Schema.optional().describe('Fail if the task changed since this version'),
  }),
  output: z.object({ task: taskSchema.optional(), archived: z.array(z.string()).optional(), message: z.string() }),
  aliases: { id: 'task_id', parentId: 'parent_task_id', afterId: 'after_task_id', beforeId: 'before_task_id', expectedVersion: 'expected_version' },
  annotations: WRITES,
  run: async (args, { backend }) => {
    if (args.after_task_id && args.before_task_id) throw new ToolInputError('after_task_id and before_task_id: give at most one');
    const anchor = { afterId: args.after_task_id, beforeId: args.before_task_id };
    const placed = Boolean(args.after_task_id || args.before_task_id);
    if (args.action === 'create') {
      if (!args.project_id) throw new ToolInputError('project_id: is required to create a task');
      if (!args.title) throw new ToolInputError('title: is required to create a task');
      // One write: a place that is refused leaves no task behind (a retry would otherwise make a duplicate).
      const task = await backend.createTask(
        {
          projectId: args.project_id,
          parentId: args.parent_task_id,
          title: args.title,
          description: args.description,
          status: args.status,
          assignee: args.assignee,
          priority: args.priority,
          feature: args.feature,
          sourceIds: args.source_ids,
          codeExampleIds: args.code_example_ids,
        },
        placed ? anchor : undefined,
      );
      const item = taskItem(task, false);
      return { data: { task: item, message: 'Task created' }, text: `Created ${taskLine(item).slice(2)}` };
    }
    if (!args.task_id) throw new ToolInputError(`task_id: is required to ${args.action} a task`);
    if (args.action === 'delete') {
      const { archived } = await backend.archiveTask({ id: args.task_id, archivedBy: args.assignee });
      return {
        data: { archived, message: 'Task archived' },
        text: `Archived ${archived.length} task(s): ${archived.join(', ')}. find_tasks no longer lists them.`,
      };
    }
    if (args.project_id || args.parent_task_id)
      throw new ToolInputError('project_id and parent_task_id: are set when a task is created, not changed');
    const changes = {
      title: args.title,
      description: args.description,
      assignee: args.assignee,
      priority: args.priority,
      feature: args.feature,
      sourceIds: args.source_ids,
      codeExampleIds: args.code_example_ids,
    };
    const changing = Object.values(changes).some((v) => v !== undefined);
    const moving = args.status !== undefined || placed;
    if (!changing && !moving) throw new ToolInputError('nothing to update: give a field to change, a status or a place');
    // A place without a status is in the column the task is read in; if it changes meanwhile (a board's drag), the
    // write is refused as stale rather than moving the task back there.
    const read = moving && !args.status ? await backend.getTask(args.task_id) : undefined;
    const status = moving ? (args.status ?? read!.status) : undefined;
    // The fields and the move in one write: a refused move changes nothing.
    const task = await backend.editTask({
      id: args.task_id,
      expectedVersion: args.expected_version ?? read?.version,
      ...(changing ? { changes } : {}),
      ...(status ? { move: { status, ...anchor } } : {}),
    });
    const item = taskItem(task, false);
    return { data: { task: item, message: 'Task updated' }, text: `Updated ${taskLine(item).slice(2)}` };
  },
});

export const taskTools: ToolDef[] = [findTasks, manageTask];
