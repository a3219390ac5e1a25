import type { Metadata } from 'next';
import { Suspense } from 'react';
import { requireUser } from '../../../../_lib/server/session';
import { DocumentsList } from './documents-list';

export const metadata: Metadata = { title: 'Documents' };

type Params = { params: Promise<{ projectId: string }> };

/** The project's Markdown documents; the layout brings the project's header and tabs (and its 404). */
export default async function DocumentsPage({ params }: Params) {
  await requireUser();
  const { projectId } = await params;
  return (
    <Suspense>
      <DocumentsList projectId={projectId} />
    </Suspense>
  );
}
