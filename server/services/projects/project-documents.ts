import { and, asc, count, desc, eq, ilike, or, sql } from 'drizzle-orm';
import { projectDocuments } from '../../../db/schema';
import { escapeLike } from '../../../db/sql';
import type { Database } from '../../../db/types';
import { conflict, notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { CreateDocumentInput, ListDocumentsInput, UpdateDocumentInput } from '../../schemas/documents';
import { getProject, lockProject } from './projects';
import { getVersion, snapshotDocument } from './versions';

const summaryColumns = {
  id: projectDocuments.id,
  projectId: projectDocuments.projectId,
  title: projectDocuments.title,
  documentType: projectDocuments.documentType,
  tags: projectDocuments.tags,
  status: projectDocuments.status,
  author: projectDocuments.author,
  version: projectDocuments.version,
  charCount: sql<number>`char_length(${projectDocuments.content})`.mapWith(Number),
  createdAt: projectDocuments.createdAt,
  updatedAt: projectDocuments.updatedAt,
};
const documentColumns = { ...summaryColumns, content: projectDocuments.content };
/**
 * Who made the latest version (an edit of the title or content, or a restore): shown as "edited by".
 * Spelled out, as drizzle writes columns of a one-table select unqualified, which inside the subquery would name its own.
 */
const updatedBy = sql<string | null>`(
  select v.created_by from document_versions v
  where v.project_id = project_documents.project_id and v.field_name = 'document' and v.document_id = project_documents.id
  order by v.version_number desc limit 1)`;

export type ProjectDocument = Awaited<ReturnType<typeof getDocument>>;

export async function getDocument(db: Database, id: string) {
  const [row] = await db
    .select({ ...documentColumns, updatedBy })
    .from(projectDocuments)
    .where(eq(projectDocuments.id, id));
  if (!row) throw notFound('Document', id);
  return row;
}

/**
 * `editor` is who is signed in (versions.ts authorOf); the version records them, else the author the
 * input names. The document's author defaults to the editor too.
 */
export async function createDocument(db: Database, input: CreateDocumentInput, editor: string | null = null): Promise<ProjectDocument> {
  return db.transaction(async (tx) => {
    await lockProject(tx, input.projectId);
    const [doc] = await tx
      .insert(projectDocuments)
      .values({ ...input, author: input.author ?? editor })
      .returning(documentColumns);
    await snapshotDocument(tx, doc!, 'create', { createdBy: editor ?? input.author });
    return getDocument(tx, doc!.id);
  });
}

/** Applies an edit; with `expectedVersion`, a concurrent edit makes it fail with CONFLICT instead of overwriting. */
export async function updateDocument(db: Database, input: UpdateDocumentInput, editor: string | null = null): Promise<ProjectDocument> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ version: projectDocuments.version })
      .from(projectDocuments)
      .where(eq(projectDocuments.id, input.id))
      .for('no key update');
    if (!current) throw notFound('Document', input.id);
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw conflict(
        `Document '${input.id}' was changed by someone else: it is at version ${current.version}, your edit was based on version ${input.expectedVersion}`,
        { currentVersion: current.version },
      );
    }
    const { id, expectedVersion: _ignored, changeSummary, ...changes } = input;
    const [doc] = await tx
      .update(projectDocuments)
      .set({ ...changes, version: current.version + 1, updatedAt: new Date() })
      .where(eq(projectDocuments.id, id))
      .returning(documentColumns);
    if (changes.content !== undefined || changes.title !== undefined) {
      await snapshotDocument(tx, doc!, 'update', { changeSummary, createdBy: editor ?? changes.author });
    }
    return getDocument(tx, id);
  });
}

export async function deleteDocument(db: Database, id: string) {
  const [row] = await db.delete(projectDocuments).where(eq(projectDocuments.id, id)).returning({ id: projectDocuments.id });
  if (!row) throw notFound('Document', id);
  return row;
}

export async function listDocuments(db: Database, input: ListDocumentsInput): Promise<Page<Omit<ProjectDocument, 'content'>>> {
  await getProject(db, input.projectId);
  const text = input.query ? `%${escapeLike(input.query)}%` : null;
  const where = and(
    eq(projectDocuments.projectId, input.projectId),
    input.documentType ? eq(projectDocuments.documentType, input.documentType) : undefined,
    text ? or(ilike(projectDocuments.title, text), ilike(projectDocuments.content, text)) : undefined,
  );
  const [items, [total]] = await Promise.all([
    db
      .select({ ...summaryColumns, updatedBy })
      .from(projectDocuments)
      .where(where)
      .orderBy(desc(projectDocuments.updatedAt), asc(projectDocuments.id))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(projectDocuments).where(where),
  ]);
  return { items, total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

/** Restores an earlier version: the current content is saved as a backup version first, as in Archon v1. */
export async function restoreDocumentVersion(db: Database, input: { documentId: string; versionNumber: number; restoredBy: string }) {
  return db.transaction(async (tx) => {
    const [current] = await tx.select(documentColumns).from(projectDocuments).where(eq(projectDocuments.id, input.documentId)).for('no key update');
    if (!current) throw notFound('Document', input.documentId);
    const version = await getVersion(tx, { documentId: input.documentId, versionNumber: input.versionNumber });
    await snapshotDocument(tx, current, 'backup', {
      changeSummary: `Backup before restoring version ${input.versionNumber}`,
      createdBy: input.restoredBy,
    });
    const [doc] = await tx
      .update(projectDocuments)
      .set({
        title: version.title ?? current.title,
        content: String(version.content),
        version: current.version + 1,
        updatedAt: new Date(),
      })
      .where(eq(projectDocuments.id, input.documentId))
      .returning(documentColumns);
    const restored = await snapshotDocument(tx, doc!, 'restore', {
      changeSummary: `Restored version ${input.versionNumber}`,
      createdBy: input.restoredBy,
    });
    return { version: restored, document: await getDocument(tx, input.documentId) };
  });
}
