import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { codeExamples, pages } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { embedInBatches } from '../embeddings/embed-in-batches';
import { appendJobLog } from '../jobs/job-progress';
import { type CodeExample, codeEmbeddingText, dropNearDuplicates, extractCodeExamples } from './code-examples';
import type { IngestDeps } from './ingest-deps';
import { codeExampleRow } from './store';

const DELETE_BATCH = 1000;
const PAGE_BATCH = 200;

export type SettleDeps = Pick<IngestDeps, 'db' | 'embedder' | 'embedding' | 'summarizer'>;
type Missing = { pageId: string; example: CodeExample };

/**
 * Stores each code example of a source once, when its job has stored all its
 * pages. Near-duplicates across pages are removed, deciding over the whole
 * source in page-URL order rather than batch by batch, so the same site
 * crawled twice keeps the same examples (a duplicate is embedded before it is
 * dropped). And an example whose only stored copy went with a page that changed
 * or vanished is stored again from a page that still has it: the copies of
 * other pages were removed because that one stood for them.
 */
export async function settleCodeExamples(deps: SettleDeps, sourceId: string): Promise<{ removed: number; restored: number }> {
  const { db } = deps;
  const rows = await db
    .select({
      id: codeExamples.id,
      pageId: codeExamples.pageId,
      exampleIndex: codeExamples.exampleIndex,
      code: codeExamples.code,
      contentHash: codeExamples.contentHash,
    })
    .from(codeExamples)
    .innerJoin(pages, eq(pages.id, codeExamples.pageId))
    .where(eq(codeExamples.sourceId, sourceId))
    .orderBy(asc(pages.url), asc(codeExamples.exampleIndex));
  const kept = dropNearDuplicates(rows);
  const keptIds = new Set(kept.map((r) => r.id));
  const dropped = rows.filter((r) => !keptIds.has(r.id)).map((r) => r.id);
  const restore = await examplesToRestore(db, sourceId, kept);
  const vectors = restore.length ? await embedRestored(deps, restore) : [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < dropped.length; i += DELETE_BATCH) {
      await tx.delete(codeExamples).where(and(eq(codeExamples.sourceId, sourceId), inArray(codeExamples.id, dropped.slice(i, i + DELETE_BATCH))));
    }
    if (restore.length === 0) return;
    await tx
      .insert(codeExamples)
      .values(
        restore.map(({ pageId, example }, i) => codeExampleRow(sourceId, pageId, { ...example, embedding: vectors[i] ?? null }, deps.embedder.model)),
      )
      .onConflictDoNothing();
  });
  return { removed: dropped.length, restored: restore.length };
}

/**
 * Examples that pages hold but no stored row stands for. Only pages storing
 * fewer examples than their content yields are read again: those whose copies
 * were removed as duplicates of another page's.
 */
async function examplesToRestore(
  db: Database,
  sourceId: string,
  kept: { pageId: string; exampleIndex: number; code: string; contentHash: string }[],
): Promise<Missing[]> {
  const storedOf = new Map<string, Set<number>>();
  for (const r of kept) {
    const set = storedOf.get(r.pageId) ?? new Set<number>();
    set.add(r.exampleIndex);
    storedOf.set(r.pageId, set);
  }
  // In page-URL order across batches too: of equal copies, the first page's is stored.
  const counted = await db
    .select({ id: pages.id, count: pages.codeExampleCount })
    .from(pages)
    .where(and(eq(pages.sourceId, sourceId), gt(pages.codeExampleCount, 0)))
    .orderBy(asc(pages.url));
  const short = counted.filter((p) => p.count > (storedOf.get(p.id)?.size ?? 0)).map((p) => p.id);
  if (short.length === 0) return [];
  const keptHashes = new Set(kept.map((r) => r.contentHash));
  const missing: Missing[] = [];
  for (let i = 0; i < short.length; i += PAGE_BATCH) {
    const batch = await db
      .select({ id: pages.id, url: pages.url, title: pages.title, content: pages.content })
      .from(pages)
      .where(inArray(pages.id, short.slice(i, i + PAGE_BATCH)));
    for (const page of batch.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))) {
      const stored = storedOf.get(page.id);
      for (const example of extractCodeExamples(page.content, page.title)) {
        // The usual case, an exact copy of an example that stays, needs no comparison.
        if (!stored?.has(example.index) && !keptHashes.has(example.contentHash)) missing.push({ pageId: page.id, example });
      }
    }
  }
  if (missing.length === 0) return [];
  const standing = kept.map((r) => ({ code: r.code }));
  return dropNearDuplicates(
    missing.map((m) => ({ ...m, code: m.example.code })),
    standing,
  ).map(({ pageId, example }) => ({ pageId, example }));
}

/** Names, summaries and vectors for restored examples, as ingestion gives them; a vector that fails stays null, for re-embedding. */
async function embedRestored(deps: SettleDeps, restore: Missing[]): Promise<(number[] | null)[]> {
  const examples = restore.map((r) => r.example);
  try {
    if (deps.summarizer) {
      const written = await deps.summarizer.summarizeCode(examples, {});
      examples.forEach((e, i) => {
        Object.assign(e, written[i] ?? {});
      });
    }
    const { vectors } = await embedInBatches(deps.embedder, examples.map(codeEmbeddingText), {
      batchSize: deps.embedding.batchSize,
      concurrency: deps.embedding.concurrency,
    });
    return vectors;
  } catch {
    // The pages are stored; an example without a vector is still found by its words, and re-embedding fills it.
    return examples.map(() => null);
  }
}

/** The step a crawl or upload job ends with: each code example stored once, and the job's log says what changed. */
export async function settleCodeExamplesOfJob(deps: SettleDeps, jobId: string, sourceId: string): Promise<void> {
  const { removed, restored } = await settleCodeExamples(deps, sourceId);
  if (removed) await appendJobLog(deps.db, jobId, 'info', `Removed ${removed} code example(s) repeated on other pages`);
  if (restored)
    await appendJobLog(
      deps.db,
      jobId,
      'info',
      `Restored ${restored} code example(s) from other pages, as the page that held them changed or was removed`,
    );
}
