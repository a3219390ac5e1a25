import { and, asc, count, desc, eq, ilike, inArray, max, ne, or, sql } from 'drizzle-orm';
import { projectDocuments, projectSources, projects, sources, taskEvents, tasks } from '../../../db/schema';
import { TASK_STATUSES, type TaskStatus } from '../../../db/schema/tasks';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import { CHANNELS, notify } from '../../realtime/channels';
import type { Page } from '../../schemas/common';
import type { CreateProjectInput, LinkSourceInput, ListProjectsInput, UpdateProjectInput } from '../../schemas/projects';
import { snapshotProjectField } from './versions';

export const projectColumns = {
  id: projects.id,
  title: projects.title,
  description: projects.description,
  githubRepo: projects.githubRepo,
  pinned: projects.pinned,
  features: projects.features,
  data: projects.data,
  createdAt: projects.createdAt,
  updatedAt: projects.updatedAt,
};
export type Project = Awaited<ReturnType<typeof getProject>>;

export async function getProject(db: Database, id: string) {
  const [row] = await db.select(projectColumns).from(projects).where(eq(projects.id, id));
  if (!row) throw notFound('Project', id);
  return row;
}

/** Locks the project row for the rest of the transaction; task and document writes serialise on it. */
export async function lockProject(tx: Database, id: string): Promise<void> {
  const [row] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, id)).for('no key update');
  if (!row) throw notFound('Project', id);
}

// "PINS": serialises the writes that pin a project.
const PIN_LOCK = 0x50494e53;

/**
 * Taken first, before any project row, by a write that pins: two pins at once would each unpin only the projects
 * their snapshot saw pinned and leave both pinned, or wait on each other's rows and deadlock.
 */
async function lockPinning(tx: Database) {
  await tx.execute(sql`select pg_advisory_xact_lock(${PIN_LOCK})`);
}

// Only one project is pinned at a time, as in Archon v1.
async function unpinOthers(tx: Database, keepId: string) {
  await tx
    .update(projects)
    .set({ pinned: false })
    .where(and(eq(projects.pinned, true), ne(projects.id, keepId)));
}

export async function createProject(db: Database, input: CreateProjectInput, editor: string | null = null) {
  return db.transaction(async (tx) => {
    if (input.pinned) await lockPinning(tx);
    const [row] = await tx
      .insert(projects)
      .values({
        title: input.title,
        description: input.description,
        githubRepo: input.githubRepo ?? null,
        pinned: input.pinned,
        features: input.features,
        data: input.data,
      })
      .returning(projectColumns);
    if (input.pinned) await unpinOthers(tx, row!.id);
    // As documents do: the first content is a version too, so the first edit can be undone.
    if (input.features.length) await snapshotProjectField(tx, row!.id, 'features', input.features, 'create', by(editor));
    if (input.data.length) await snapshotProjectField(tx, row!.id, 'data', input.data, 'create', by(editor));
    return row!;
  });
}

/** A version's author: who is signed in (versions.ts authorOf), when known. */
const by = (editor: string | null) => (editor ? { createdBy: editor } : {});

export async function updateProject(db: Database, input: UpdateProjectInput, editor: string | null = null) {
  return db.transaction(async (tx) => {
    if (input.pinned) await lockPinning(tx);
    await lockProject(tx, input.id);
    const { id, ...changes } = input;
    const [row] = await tx
      .update(projects)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(projects.id, id))
      .returning(projectColumns);
    if (changes.pinned) await unpinOthers(tx, id);
    if (changes.features !== undefined) await snapshotProjectField(tx, id, 'features', changes.features, 'update', by(editor));
    if (changes.data !== undefined) await snapshotProjectField(tx, id, 'data', changes.data, 'update', by(editor));
    return row!;
  });
}

export async function deleteProject(db: Database, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx.delete(projects).where(eq(projects.id, id)).returning({ id: projects.id });
    if (!row) throw notFound('Project', id);
    // Its task events are gone with it; the notice wakes its live boards, which then find the project gone.
    await notify(tx, CHANNELS.tasks, { key: id, id: 0 });
    return row;
  });
}

/** Pinned first, then alphabetical, with task counts per status. */
export async function listProjects(db: Database, input: ListProjectsInput): Promise<Page<Project>> {
  const where = input.query
    ? or(ilike(projects.title, `%${escapeLike(input.query)}%`), ilike(projects.description, `%${escapeLike(input.query)}%`))
    : undefined;
  const [items, [total]] = await Promise.all([
    db
      .select(projectColumns)
      .from(projects)
      .where(where)
      .orderBy(desc(projects.pinned), asc(sql`lower(${projects.title})`), asc(projects.id))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(projects).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

export async function getProjectFeatures(db: Database, id: string) {
  const project = await getProject(db, id);
  return { features: project.features, count: project.features.length };
}

export async function linkSource(db: Database, input: LinkSourceInput) {
  await getProject(db, input.projectId);
  const [source] = await db.select({ id: sources.id }).from(sources).where(eq(sources.id, input.sourceId));
  if (!source) throw notFound('Source', input.sourceId);
  await db
    .insert(projectSources)
    .values(input)
    .onConflictDoUpdate({ target: [projectSources.projectId, projectSources.sourceId], set: { linkType: input.linkType } });
  return listProjectSources(db, input.projectId);
}

export async function unlinkSource(db: Database, input: { projectId: string; sourceId: string }) {
  await getProject(db, input.projectId);
  await db.delete(projectSources).where(and(eq(projectSources.projectId, input.projectId), eq(projectSources.sourceId, input.sourceId)));
  return listProjectSources(db, input.projectId);
}

export async function listProjectSources(db: Database, projectId: string) {
  await getProject(db, projectId);
  return db
    .select({ sourceId: projectSources.sourceId, linkType: projectSources.linkType, title: sources.title, url: sources.url })
    .from(projectSources)
    .innerJoin(sources, eq(sources.id, projectSources.sourceId))
    .where(eq(projectSources.projectId, projectId))
    .orderBy(asc(sources.title));
}

/** A project as the projects list shows it: its tasks per column, archived ones, documents and when anything last changed. */
export type ProjectSummary = Omit<Project, 'features' | 'data'> & {
  taskCounts: Record<TaskStatus, number>;
  archivedTasks: number;
  documentCount: number;
  /** The newest of: a task change (any event, deletes too), a document edit, the project's own edit. */
  lastActivityAt: Date;
};

async function summarise(db: Database, rows: Omit<Project, 'features' | 'data'>[]): Promise<ProjectSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // Three grouped reads for the whole page, whatever its size; each is served by an index on project_id.
  const [taskRows, eventRows, docRows] = await Promise.all([
    db
      .select({ projectId: tasks.projectId, status: tasks.status, archived: tasks.archived, n: count() })
      .from(tasks)
      .where(and(inArray(tasks.projectId, ids), sql`${tasks.parentId} is null`))
      .groupBy(tasks.projectId, tasks.status, tasks.archived),
    db
      .select({ projectId: taskEvents.projectId, at: max(taskEvents.createdAt) })
      .from(taskEvents)
      .where(inArray(taskEvents.projectId, ids))
      .groupBy(taskEvents.projectId),
    db
      .select({ projectId: projectDocuments.projectId, n: count(), at: max(projectDocuments.updatedAt) })
      .from(projectDocuments)
      .where(inArray(projectDocuments.projectId, ids))
      .groupBy(projectDocuments.projectId),
  ]);
  return rows.map((p) => {
    const taskCounts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    let archivedTasks = 0;
    for (const r of taskRows) {
      if (r.projectId !== p.id) continue;
      if (r.archived) archivedTasks += r.n;
      else taskCounts[r.status] += r.n;
    }
    const events = eventRows.find((r) => r.projectId === p.id)?.at;
    const docs = docRows.find((r) => r.projectId === p.id);
    const times = [p.updatedAt, events, docs?.at].filter((t): t is Date => t instanceof Date);
    const lastActivityAt = new Date(Math.max(...times.map((t) => t.getTime())));
    return { ...p, taskCounts, archivedTasks, documentCount: docs?.n ?? 0, lastActivityAt };
  });
}

const { features: _f, data: _d, ...summaryColumns } = projectColumns;

/**
 * The projects list of the dashboard: pinned first, then alphabetical (as
 * listProjects), each with its top-level task counts per status (archived
 * ones apart), its document count and its last activity.
 */
export async function listProjectSummaries(db: Database, input: ListProjectsInput): Promise<Page<ProjectSummary>> {
  const where = input.query
    ? or(ilike(projects.title, `%${escapeLike(input.query)}%`), ilike(projects.description, `%${escapeLike(input.query)}%`))
    : undefined;
  const [rows, [total]] = await Promise.all([
    db
      .select(summaryColumns)
      .from(projects)
      .where(where)
      .orderBy(desc(projects.pinned), asc(sql`lower(${projects.title})`), asc(projects.id))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(projects).where(where),
  ]);
  return { items: await summarise(db, rows), total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

/** One project's summary (listProjectSummaries), for its page header and its delete confirmation. */
export async function getProjectSummary(db: Database, id: string): Promise<ProjectSummary> {
  const [row] = await db.select(summaryColumns).from(projects).where(eq(projects.id, id));
  if (!row) throw notFound('Project', id);
  const [summary] = await summarise(db, [row]);
  return summary!;
}
