import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Page } from '../../_components/ui/page';
import { requireUser } from '../../_lib/server/session';
import { ProjectsView } from './projects-view';

export const metadata: Metadata = { title: 'Projects' };

/** Every project, pinned first, with its tasks per column and last activity. */
export default async function ProjectsPage() {
  await requireUser();
  return (
    <Page width="wide">
      <Suspense>
        <ProjectsView />
      </Suspense>
    </Page>
  );
}
