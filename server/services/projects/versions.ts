import { and, count, desc, eq, gt, isNull, max, ne, type SQL, sql } from 'drizzle-orm';
import { documentVersions, projectDocuments, projects, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { conflict, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { FieldTarget, ListVersionsInput, SaveFieldInput, VersionTarget } from '../../schemas/documents';
import type { Principal } from '../auth/principal';

type ChangeType = (typeof documentVersions.$inferInsert)['changeType'];

const versionColumns = {
  id: documentVersions.id,
  projectId: documentVersions.projectId,
  documentId: documentVersions.documentId,
  fieldName: documentVersions.fieldName,
  versionNumber: documentVersions.versionNumber,
  title: documentVersions.title,
  changeType: documentVersions.changeType,
  changeSummary: documentVersions.changeSummary,
  createdBy: documentVersions.createdBy,
  createdAt: documentVersions.createdAt,
  /** How big the version is without fetching it: characters of a document, entries of a features or data list. */
  size: sql<number>`case jsonb_typeof(${documentVersions.content})
    when 'string' then char_length(${documentVersions.content} #>> '{}')
    when 'array' then jsonb_array_length(${documentVersions.content})
    else 0 end`.mapWith(Number),
};

/**
 * The name a version records as who made it: the signed-in person's name, or
 * their email when they gave none (an API key acts as its user). Null for the
 * system (in-process callers, tests), which may name an author itself.
 */
export async function authorOf(db: Database, principal: Principal | null | undefined): Promise<string | null> {
  if (!principal?.userId) return null;
  const [user] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, principal.userId));
  return user ? user.name.trim() || user.email : principal.email;
}

function targetWhere(target: VersionTarget): SQL {
  return target.documentId
    ? and(eq(documentVersions.fieldName, 'document'), eq(documentVersions.documentId, target.documentId))!
    : and(eq(documentVersions.projectId, target.projectId!), eq(documentVersions.fieldName, target.fieldName!), isNull(documentVersions.documentId))!;
}

async function nextNumber(tx: Database, target: VersionTarget): Promise<number> {
  const [row] = await tx
    .select({ n: max(documentVersions.versionNumber) })
    .from(documentVersions)
    .where(targetWhere(target));
  return (row?.n ?? 0) + 1;
}

/** Records the given content of a project's features or data list as its next version. */
export async function snapshotProjectField(
  tx: Database,
  projectId: string,
  fieldName: 'features' | 'data',
  content: unknown[],
  changeType: ChangeType,
  extra: { changeSummary?: string; createdBy?: string } = {},
) {
  const versionNumber = await nextNumber(tx, { projectId, fieldName });
  const [row] = await tx
    .insert(documentVersions)
    .values({ projectId, fieldName, versionNumber, content, changeType, ...extra })
    .returning(versionColumns);
  return row!;
}

/** Records a document's title and content as its next version. */
export async function snapshotDocument(
  tx: Database,
  doc: { id: string; projectId: string; title: string; content: string },
  changeType: ChangeType,
  extra: { changeSummary?: string | null; createdBy?: string | null } = {},
) {
  const versionNumber = await nextNumber(tx, { documentId: doc.id });
  const [row] = await tx
    .insert(documentVersions)
    .values({
      projectId: doc.projectId,
      documentId: doc.id,
      fieldName: 'document',
      versionNumber,
      title: doc.title,
      content: doc.content,
      changeType,
      changeSummary: extra.changeSummary ?? null,
      createdBy: extra.createdBy ?? 'system',
    })
    .returning(versionColumns);
  return row!;
}

async function assertTargetExists(db: Database, target: VersionTarget) {
  if (target.documentId) {
    const [doc] = await db.select({ id: projectDocuments.id }).from(projectDocuments).where(eq(projectDocuments.id, target.documentId));
    if (!doc) throw notFound('Document', target.documentId);
  } else {
    const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, target.projectId!));
    if (!project) throw notFound('Project', target.projectId!);
  }
}

export async function listVersions(db: Database, input: ListVersionsInput) {
  await assertTargetExists(db, input);
  const where = targetWhere(input);
  const [items, [total]] = await Promise.all([
    db
      .select(versionColumns)
      .from(documentVersions)
      .where(where)
      .orderBy(desc(documentVersions.versionNumber))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(documentVersions).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset } satisfies Page<unknown>;
}

export async function getVersion(db: Database, input: VersionTarget & { versionNumber: number }) {
  await assertTargetExists(db, input);
  const [row] = await db
    .select({ ...versionColumns, content: documentVersions.content })
    .from(documentVersions)
    .where(and(targetWhere(input), eq(documentVersions.versionNumber, input.versionNumber)));
  if (!row) throw notFound('Version', input.versionNumber);
  return row;
}

async function lockProjectFields(tx: Database, projectId: string) {
  const [project] = await tx
    .select({ features: projects.features, data: projects.data })
    .from(projects)
    .where(eq(projects.id, projectId))
    .for('no key update');
  if (!project) throw notFound('Project', projectId);
  return project;
}

/** A manual snapshot of a project field's current content (documents are snapshotted on every write). */
export async function createFieldVersion(
  db: Database,
  input: { projectId: string; fieldName: 'features' | 'data'; changeSummary?: string; createdBy: string },
) {
  return db.transaction(async (tx) => {
    const project = await lockProjectFields(tx, input.projectId);
    return snapshotProjectField(tx, input.projectId, input.fieldName, project[input.fieldName], 'manual', {
      changeSummary: input.changeSummary,
      createdBy: input.createdBy,
    });
  });
}

/** Restores a project field: the current content is saved as a backup version first. */
export async function restoreFieldVersion(
  db: Database,
  input: { projectId: string; fieldName: 'features' | 'data'; versionNumber: number; restoredBy: string },
) {
  return db.transaction(async (tx) => {
    const project = await lockProjectFields(tx, input.projectId);
    const version = await getVersion(tx, input);
    if (!Array.isArray(version.content)) throw notFound('Version', input.versionNumber);
    await snapshotProjectField(tx, input.projectId, input.fieldName, project[input.fieldName], 'backup', {
      changeSummary: `Backup before restoring version ${input.versionNumber}`,
      createdBy: input.restoredBy,
    });
    await tx
      .update(projects)
      .set({ [input.fieldName]: version.content, updatedAt: new Date() })
      .where(eq(projects.id, input.projectId));
    return snapshotProjectField(tx, input.projectId, input.fieldName, version.content, 'restore', {
      changeSummary: `Restored version ${input.versionNumber}`,
      createdBy: input.restoredBy,
    });
  });
}

const fieldColumn = (fieldName: FieldTarget['fieldName']) => (fieldName === 'features' ? projects.features : projects.data);

/**
 * A project's features or data list with its version: the number of its latest
 * snapshot (0 before the first), which a save passes back as `expectedVersion`.
 * Every write of the list is snapshotted, so the number moves with each change.
 */
export async function getField(db: Database, input: FieldTarget) {
  const [project] = await db
    .select({ content: fieldColumn(input.fieldName), updatedAt: projects.updatedAt })
    .from(projects)
    .where(eq(projects.id, input.projectId));
  if (!project) throw notFound('Project', input.projectId);
  const [latest] = await db
    .select({ versionNumber: documentVersions.versionNumber, createdBy: documentVersions.createdBy, createdAt: documentVersions.createdAt })
    .from(documentVersions)
    .where(targetWhere(input))
    .orderBy(desc(documentVersions.versionNumber))
    .limit(1);
  return {
    projectId: input.projectId,
    fieldName: input.fieldName,
    content: project.content,
    version: latest?.versionNumber ?? 0,
    updatedAt: latest?.createdAt ?? project.updatedAt,
    updatedBy: latest?.createdBy ?? null,
  };
}

/**
 * Whether every version after `since` up to `current` is a manual snapshot:
 * one records the list as it was and changes nothing, so an edit based on
 * `since` overwrites nobody's change.
 */
async function onlySnapshotsSince(tx: Database, target: FieldTarget, since: number, current: number): Promise<boolean> {
  if (since > current || since < 0) return false;
  const [row] = await tx
    .select({ n: count() })
    .from(documentVersions)
    .where(and(targetWhere(target), gt(documentVersions.versionNumber, since), ne(documentVersions.changeType, 'manual')));
  return (row?.n ?? 0) === 0;
}

/**
 * Replaces a project's features or data list and records it as a version.
 * With `expectedVersion`, a change made meanwhile (a save, a restore, a
 * projects.update) makes it fail with CONFLICT instead of being overwritten.
 */
export async function saveField(db: Database, input: SaveFieldInput & { savedBy?: string | null }) {
  return db.transaction(async (tx) => {
    await lockProjectFields(tx, input.projectId);
    const current = (await nextNumber(tx, input)) - 1;
    if (
      input.expectedVersion !== undefined &&
      input.expectedVersion !== current &&
      !(await onlySnapshotsSince(tx, input, input.expectedVersion, current))
    ) {
      throw conflict(
        `The ${input.fieldName} list of project '${input.projectId}' was changed by someone else: it is at version ${current}, your edit was based on version ${input.expectedVersion}`,
        { currentVersion: current },
      );
    }
    await tx
      .update(projects)
      .set({ [input.fieldName]: input.content, updatedAt: new Date() })
      .where(eq(projects.id, input.projectId));
    await snapshotProjectField(tx, input.projectId, input.fieldName, input.content, 'update', {
      changeSummary: input.changeSummary,
      createdBy: input.savedBy ?? undefined,
    });
    return getField(tx, input);
  });
}
