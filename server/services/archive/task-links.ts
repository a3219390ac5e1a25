import { and, eq, inArray } from 'drizzle-orm';
import { codeExamples, pages, taskCodeExamples } from '../../../db/schema';
import type { Database } from '../../../db/types';

/** What became of tasks' links to a replaced source's code examples. */
export type CodeExampleLinks = {
  /** Links moved to the imported code example with the same code (content hash). */
  relinked: number;
  /** Links whose code the archive no longer holds, removed with the old examples. */
  dropped: number;
};

/** A task's link to a code example, by what survives a replace: the page URL and the code's hash, not the row id. */
export type TaskCodeLink = { taskId: string; url: string; contentHash: string };

// Bounds the parameters of one statement.
const BATCH = 1_000;

/** Tasks' links to the source's code examples, read before a replace deletes the examples. */
export async function taskCodeExampleLinks(tx: Database, sourceId: string): Promise<TaskCodeLink[]> {
  return tx
    .select({ taskId: taskCodeExamples.taskId, url: pages.url, contentHash: codeExamples.contentHash })
    .from(taskCodeExamples)
    .innerJoin(codeExamples, eq(codeExamples.id, taskCodeExamples.codeExampleId))
    .innerJoin(pages, eq(pages.id, codeExamples.pageId))
    .where(eq(codeExamples.sourceId, sourceId));
}

/**
 * Links each task again to the imported code example with the same code: on
 * the same page if it is still there, else on any page of the source (a
 * snippet that moved). The rest are counted as dropped.
 */
export async function relinkTaskCodeExamples(tx: Database, sourceId: string, links: TaskCodeLink[]): Promise<CodeExampleLinks> {
  if (links.length === 0) return { relinked: 0, dropped: 0 };
  const hashes = [...new Set(links.map((l) => l.contentHash))];
  const byHash = new Map<string, { id: number; url: string }[]>();
  for (let i = 0; i < hashes.length; i += BATCH) {
    const rows = await tx
      .select({ id: codeExamples.id, url: pages.url, contentHash: codeExamples.contentHash })
      .from(codeExamples)
      .innerJoin(pages, eq(pages.id, codeExamples.pageId))
      .where(and(eq(codeExamples.sourceId, sourceId), inArray(codeExamples.contentHash, hashes.slice(i, i + BATCH))));
    for (const r of rows) (byHash.get(r.contentHash) ?? byHash.set(r.contentHash, []).get(r.contentHash)!).push({ id: r.id, url: r.url });
  }
  const restored = new Map<string, { taskId: string; codeExampleId: number }>();
  const free = (link: TaskCodeLink, c: { id: number }) => !restored.has(`${link.taskId}:${c.id}`);
  const take = (link: TaskCodeLink, c: { id: number }) => restored.set(`${link.taskId}:${c.id}`, { taskId: link.taskId, codeExampleId: c.id });
  // Same-page matches first, so a snippet found on several pages goes back where it was.
  const moved: TaskCodeLink[] = [];
  for (const link of links) {
    const match = byHash.get(link.contentHash)?.find((c) => c.url === link.url && free(link, c));
    if (match) take(link, match);
    else moved.push(link);
  }
  for (const link of moved) {
    const match = byHash.get(link.contentHash)?.find((c) => free(link, c));
    if (match) take(link, match);
  }
  const rows = [...restored.values()];
  for (let i = 0; i < rows.length; i += BATCH) {
    await tx
      .insert(taskCodeExamples)
      .values(rows.slice(i, i + BATCH))
      .onConflictDoNothing();
  }
  return { relinked: rows.length, dropped: links.length - rows.length };
}
