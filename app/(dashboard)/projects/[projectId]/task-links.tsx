'use client';

import { useQuery } from '@tanstack/react-query';
import { BookOpen, Code2, X } from 'lucide-react';
import { useEffect } from 'react';
import { toast } from 'sonner';
import { Badge } from '../../../_components/ui/badge';
import { IconButton } from '../../../_components/ui/icon-button';
import { Skeleton } from '../../../_components/ui/skeleton';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';
import type { BoardTask } from '../task-meta';
import { LinkPicker } from './link-picker';
import { type UpdateFields, useLiveTasks, useTaskActions } from './live-tasks';
import { Section } from './task-section';

type Links = RouterOutputs['tasks']['links'];

function useSourceResults(query: string) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.knowledge.sources.queryOptions({ limit: 8, ...(query ? { query } : {}) }), staleTime: 10_000 });
  return { data: q.data?.items, isFetching: q.isFetching, error: q.error };
}

function useCodeResults(query: string) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.knowledge.searchCode.queryOptions({ query, limit: 8 }), enabled: query.length > 1, staleTime: 10_000 });
  return { data: query.length > 1 ? q.data?.results : undefined, isFetching: q.isFetching, error: q.error };
}

export function LinksSection({ task, canWrite }: { task: BoardTask; canWrite: boolean }) {
  const trpc = useTRPC();
  const { update } = useTaskActions();
  const { store } = useLiveTasks();
  const links = useQuery(trpc.tasks.links.queryOptions({ id: task.id }));
  const { refetch } = links;
  const signature = `${task.sourceIds.join(',')}|${task.codeExampleIds.join(',')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the links change, here or elsewhere
  useEffect(() => {
    void refetch();
  }, [signature, refetch]);

  const setLinks = async (fields: Pick<UpdateFields, 'sourceIds' | 'codeExampleIds'>, message: string) => {
    const r = await update(task, fields);
    // Read the links again once saved: the read the optimistic change started may have reached the server first.
    void refetch();
    if (r.ok) toast.success(message);
    else if (r.conflict)
      toast.error('Changed meanwhile', {
        description: 'Someone changed this task at the same time; its links are shown as the server has them now. Try again.',
      });
  };

  const data: Links | undefined = links.data;
  return (
    <>
      <Section
        icon={BookOpen}
        title="Knowledge sources"
        count={task.sourceIds.length}
        action={
          canWrite && (
            <LinkPicker
              label="Link a source"
              placeholder="Search sources by title or URL"
              testId="link-source"
              useResults={useSourceResults}
              linked={(s) => task.sourceIds.includes(s.id)}
              render={(s) => (
                <span className="grid">
                  <span className="truncate font-medium">{s.title}</span>
                  <span className="truncate font-mono text-xs text-muted-foreground">{s.url ?? 'Uploaded files'}</span>
                </span>
              )}
              onPick={(s) => {
                store.sourceTitles.set(s.id, s.title);
                void setLinks({ sourceIds: [...task.sourceIds, s.id] }, `Linked “${s.title}”`);
              }}
            />
          )
        }
      >
        {task.sourceIds.length === 0 ? (
          <p className="text-sm text-muted-foreground">No sources linked.</p>
        ) : !data ? (
          <Skeleton className="h-8 w-full" />
        ) : (
          <ul className="flex flex-wrap gap-1.5" data-testid="linked-sources">
            {data.sources.map((s) => (
              <li
                key={s.id}
                className="inline-flex max-w-full items-center gap-1 rounded-md border border-border bg-muted/60 py-0.5 pl-2 pr-0.5 text-sm"
              >
                <a href={`/knowledge/sources/${encodeURIComponent(s.id)}`} className="focus-ring truncate rounded-sm hover:underline">
                  {s.title}
                </a>
                {canWrite && (
                  <IconButton
                    icon={X}
                    size="icon-sm"
                    className="size-5"
                    tooltip={false}
                    label={`Unlink “${s.title}”`}
                    onClick={() => void setLinks({ sourceIds: task.sourceIds.filter((x) => x !== s.id) }, `Unlinked “${s.title}”`)}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        icon={Code2}
        title="Code examples"
        count={task.codeExampleIds.length}
        action={
          canWrite && (
            <LinkPicker
              label="Link code"
              placeholder="Search code examples"
              testId="link-code"
              useResults={useCodeResults}
              linked={(c) => task.codeExampleIds.includes(c.id)}
              render={(c) => (
                <span className="grid gap-0.5">
                  <span className="flex items-center gap-1.5">
                    {c.language && <Badge variant="neutral">{c.language}</Badge>}
                    <span className="truncate font-medium">{c.name || c.summary || 'Code example'}</span>
                  </span>
                  <span className="truncate font-mono text-xs text-muted-foreground">{c.code.split('\n')[0]}</span>
                  <span className="truncate text-xs text-muted-foreground">{c.sourceTitle}</span>
                </span>
              )}
              onPick={(c) => void setLinks({ codeExampleIds: [...task.codeExampleIds, c.id] }, 'Linked the code example')}
            />
          )
        }
      >
        {task.codeExampleIds.length === 0 ? (
          <p className="text-sm text-muted-foreground">No code examples linked.</p>
        ) : !data ? (
          <Skeleton className="h-16 w-full" />
        ) : (
          <ul className="grid gap-2" data-testid="linked-code">
            {data.codeExamples.map((c) => (
              <li key={c.id} className="overflow-hidden rounded-lg border border-border">
                <div className="flex items-center gap-2 border-b border-border bg-muted/50 px-2.5 py-1.5 text-sm">
                  {c.language && <Badge variant="neutral">{c.language}</Badge>}
                  <span className="min-w-0 flex-1 truncate font-medium">{c.name || c.summary || 'Code example'}</span>
                  <span className="truncate text-xs text-muted-foreground">{c.sourceTitle}</span>
                  {canWrite && (
                    <IconButton
                      icon={X}
                      size="icon-sm"
                      className="size-6"
                      tooltip={false}
                      label={`Unlink ${c.name || 'the code example'}`}
                      onClick={() => void setLinks({ codeExampleIds: task.codeExampleIds.filter((x) => x !== c.id) }, 'Unlinked the code example')}
                    />
                  )}
                </div>
                <pre className="max-h-28 overflow-hidden px-3 py-2 font-mono text-xs leading-5">
                  <code>{c.preview}</code>
                </pre>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}
