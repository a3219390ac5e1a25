import { FileText } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../../../_components/ui/empty-state';
import { requireUser } from '../../../../_lib/server/session';

export const metadata: Metadata = { title: 'Documents' };

/** A placeholder until this tab is built; the project's layout brings the header and tabs. */
export default async function Page() {
  await requireUser();
  return <EmptyState icon={FileText} title="Documents" description="This tab is being built." />;
}
