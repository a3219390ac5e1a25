import type { Database } from '../../../db/types';
import { badRequest } from '../../errors';
import type { VersionTarget } from '../../schemas/documents';
import { restoreDocumentVersion } from './project-documents';
import { createFieldVersion, restoreFieldVersion } from './versions';

/** Manual snapshot. Documents need none: every change to one is recorded. */
export async function createVersion(db: Database, input: VersionTarget & { changeSummary?: string; createdBy: string }) {
  if (input.documentId) throw badRequest('Documents are versioned on every change; snapshot a project field instead');
  return createFieldVersion(db, { ...input, projectId: input.projectId!, fieldName: input.fieldName! });
}

/** Restores a document or a project field; the current content is kept as a backup version first. */
export async function restoreVersion(db: Database, input: VersionTarget & { versionNumber: number; restoredBy: string }) {
  if (input.documentId) return restoreDocumentVersion(db, { ...input, documentId: input.documentId });
  const version = await restoreFieldVersion(db, { ...input, projectId: input.projectId!, fieldName: input.fieldName! });
  return { version, document: null };
}
