import { and, count, desc, eq, isNull, max, type SQL } from 'drizzle-orm';
import { documentVersions, projectDocuments, projects } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { ListVersionsInput, VersionTarget } from '../../schemas/documents';

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
};

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
