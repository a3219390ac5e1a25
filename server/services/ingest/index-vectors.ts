import { mergePendingTextEntries } from '../../../db/text-index';
import type { Database } from '../../../db/types';
import { backlogIsFull, flushVectorBacklog } from '../../../db/vector-backlog';
import { appendJobLog } from '../jobs/job-progress';
import { anyJobActive } from '../jobs/jobs';

type Deps = { db: Database; embedder: { dimensions: number } };

/**
 * Folds the vectors an ingestion job left in the backlog into the HNSW index
 * (db/vector-backlog.ts), and the full-text entries it left pending into their
 * GIN indexes (db/text-index.ts); the last step of every job that writes
 * vectors, and of each fold during a long one. Says in the job's log when it
 * rebuilt an index, since that briefly holds searches.
 */
export async function indexJobVectors(deps: Deps, jobId: string | null) {
  const flushed = await flushVectorBacklog(deps.db, deps.embedder.dimensions);
  await mergePendingTextEntries(deps.db);
  for (const f of flushed) {
    if (jobId && f.rebuilt)
      await appendJobLog(deps.db, jobId, 'info', `Rebuilt the ${f.table} vector index in bulk to take in ${f.rows} new vector(s)`);
  }
  return flushed;
}

/** During a long job: folds the backlog in once it is large enough that reading it exactly gets slow. */
export async function indexVectorsIfBacklogFull(deps: Deps, jobId: string | null) {
  if (await backlogIsFull(deps.db, deps.embedder.dimensions)) return indexJobVectors(deps, jobId);
  return [];
}

/**
 * Folds in what a cancelled or failed job left in the backlog. Not while any
 * job runs: its own last step folds the backlog in, and doing it now would
 * spend, row by row or in repeated rebuilds, what the backlog saves a long crawl.
 */
export async function indexStrayVectors(deps: Deps) {
  if (await anyJobActive(deps.db)) return [];
  return indexJobVectors(deps, null);
}
