import type { Metadata } from 'next';
import { Suspense } from 'react';
import { requireUser } from '../../../../_lib/server/session';
import { FieldsView } from './fields-view';

export const metadata: Metadata = { title: 'Features and data' };

type Params = { params: Promise<{ projectId: string }> };

/** The project's features and data lists, with their versions; the layout brings the header and tabs. */
export default async function FeaturesPage({ params }: Params) {
  await requireUser();
  const { projectId } = await params;
  return (
    <Suspense>
      <FieldsView projectId={projectId} />
    </Suspense>
  );
}
