'use client';

import { useQuery } from '@tanstack/react-query';
import { ExternalLink, Pencil, Pin, PinOff, Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '../../../_components/ui/button';
import { ErrorState } from '../../../_components/ui/error-state';
import { PageHeader } from '../../../_components/ui/page-header';
import { TabLinks } from '../../../_components/ui/tab-links';
import { describeError } from '../../../_lib/errors';
import { useOptimisticMutation } from '../../../_lib/optimistic';
import { useSession } from '../../../_lib/session';
import { useTRPC } from '../../../_lib/trpc';
import { DeleteProjectDialog } from '../delete-project-dialog';
import { type Project, ProjectFormDialog } from '../project-form-dialog';

/** github.com/acme/docs from https://github.com/acme/docs: the part people recognise. */
export const repoLabel = (url: string) => url.replace(/^https:\/\//, '');

/**
 * The top of every project tab: breadcrumbs, the title (the page's h1), the
 * repository, pin, edit and delete, and the tabs as links to their routes.
 */
export function ProjectHeader({ initial }: { initial: Project }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { can } = useSession();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const q = useQuery({ ...trpc.projects.byId.queryOptions({ id: initial.id }), initialData: initial });
  const pin = useOptimisticMutation(trpc.projects.update.mutationOptions(), {
    filter: trpc.projects.byId.queryFilter({ id: initial.id }),
    apply: (p, input) => ({ ...p, pinned: input.pinned ?? p.pinned }),
    failure: (input) => (input.pinned ? 'Could not pin the project' : 'Could not unpin the project'),
  });
  const p = q.data;
  // Deleted in another session (the board's stream says so and reads the project again): nothing left to act on.
  const gone = q.isError && describeError(q.error).code === 'NOT_FOUND';
  const base = `/projects/${p.id}`;
  return (
    <>
      <PageHeader
        className="mb-4"
        breadcrumbs={[{ label: 'Projects', href: '/projects' }, { label: p.title }]}
        title={
          <span className="inline-flex items-center gap-2" data-testid="project-heading">
            {p.title}
            {p.pinned && <Pin aria-label="Pinned" className="size-4 text-accent-text" />}
          </span>
        }
        description={
          p.githubRepo ? (
            <a
              href={p.githubRepo}
              rel="noopener noreferrer nofollow"
              target="_blank"
              className="focus-ring inline-flex items-center gap-1 rounded-sm font-mono text-[13px] text-accent-text underline-offset-2 hover:underline"
              data-testid="project-repo"
            >
              {repoLabel(p.githubRepo)}
              <ExternalLink aria-hidden className="size-3.5" />
              <span className="sr-only">(opens in a new tab)</span>
            </a>
          ) : undefined
        }
        actions={
          can('write') &&
          !gone && (
            <>
              <Button aria-pressed={p.pinned} onClick={() => pin.mutate({ id: p.id, pinned: !p.pinned })} data-testid="project-pin">
                {p.pinned ? <PinOff aria-hidden /> : <Pin aria-hidden />}
                {p.pinned ? 'Unpin' : 'Pin'}
              </Button>
              <Button onClick={() => setEditing(true)} data-testid="project-edit">
                <Pencil aria-hidden /> Edit
              </Button>
              <Button
                variant="ghost"
                className="text-destructive-text hover:bg-destructive-subtle"
                onClick={() => setDeleting(true)}
                data-testid="project-delete"
              >
                <Trash2 aria-hidden /> Delete
              </Button>
            </>
          )
        }
      />
      {q.isError && !gone && (
        <ErrorState compact className="mb-4" title="This project could not be reloaded" error={q.error} onRetry={() => q.refetch()} />
      )}
      <TabLinks
        label="Project sections"
        className="mb-4"
        tabs={[
          { href: `${base}/board`, label: 'Board', testId: 'tab-board' },
          { href: `${base}/table`, label: 'Table', testId: 'tab-table' },
          { href: `${base}/documents`, label: 'Documents', testId: 'tab-documents' },
          { href: `${base}/features`, label: 'Features and data', testId: 'tab-features' },
          { href: `${base}/sources`, label: 'Sources', testId: 'tab-sources' },
        ]}
      />
      <ProjectFormDialog open={editing} onOpenChange={setEditing} project={p} />
      <DeleteProjectDialog
        project={p}
        open={deleting}
        onOpenChange={setDeleting}
        onDeleted={() => {
          router.push('/projects');
        }}
      />
    </>
  );
}
