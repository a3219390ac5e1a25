import { redirect } from 'next/navigation';

/** A project opens on its board. */
export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  redirect(`/projects/${encodeURIComponent((await params).projectId)}/board`);
}
