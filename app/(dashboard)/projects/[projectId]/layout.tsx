import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Page } from '../../../_components/ui/page';
import { requireUser } from '../../../_lib/server/session';
import { loadProject } from './load-project';
import { ProjectHeader } from './project-header';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ projectId: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await requireUser();
  const project = await loadProject((await params).projectId);
  // Each tab's page adds its own name: "Board · Docs revamp · Archon".
  return { title: { default: project.title, template: `%s · ${project.title} · Archon` } };
}

/**
 * Every tab of a project (board, table, documents, features and data,
 * sources) sits in this frame: the header with the project's actions and the
 * tabs, which are links to sibling routes. Tab pages render their content
 * only: no Page and no h1 of their own (the project's title is the h1).
 */
export default async function ProjectLayout({ params, children }: Params & { children: ReactNode }) {
  await requireUser();
  const project = await loadProject((await params).projectId);
  return (
    <Page width="wide">
      <ProjectHeader initial={project} />
      {children}
    </Page>
  );
}
