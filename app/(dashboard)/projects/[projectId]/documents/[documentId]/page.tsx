import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache, Suspense } from 'react';
import { isAppError } from '../../../../../../server/errors';
import { getRuntime } from '../../../../../../server/runtime/global';
import { uuidSchema } from '../../../../../../server/schemas/common';
import { getDocument } from '../../../../../../server/services/projects/project-documents';
import { requireUser } from '../../../../../_lib/server/session';
import { DocumentEditor } from './document-editor';

type Params = { params: Promise<{ projectId: string; documentId: string }> };

/** The document as the server has it now, or a 404 for an id that names none in this project. */
const load = cache(async (projectId: string, raw: string) => {
  const id = uuidSchema.safeParse(raw);
  if (!id.success) notFound();
  const rt = await getRuntime();
  try {
    const doc = await getDocument(rt.database.db, id.data);
    if (doc.projectId !== projectId) notFound();
    return doc;
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await requireUser();
  const { projectId, documentId } = await params;
  return { title: (await load(projectId, documentId)).title };
}

/** One document: the Markdown editor with its preview, and its history (versions, diffs, restore). */
export default async function DocumentPage({ params }: Params) {
  await requireUser();
  const { projectId, documentId } = await params;
  const doc = await load(projectId, documentId);
  return (
    <Suspense>
      <DocumentEditor initial={doc} />
    </Suspense>
  );
}
