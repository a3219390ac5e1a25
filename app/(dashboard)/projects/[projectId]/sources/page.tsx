import type { Metadata } from 'next';
import { requireUser } from '../../../../_lib/server/session';
import { SourcesView } from './sources-view';

export const metadata: Metadata = { title: 'Sources' };

type Params = { params: Promise<{ projectId: string }> };

/** The knowledge sources linked to the project; the layout brings the header and tabs. */
export default async function SourcesPage({ params }: Params) {
  await requireUser();
  const { projectId } = await params;
  return <SourcesView projectId={projectId} />;
}
