import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import type { Embedder } from '../embeddings/types';
import type { Contextualizer } from '../ingest/contextualize';
import type { NetworkPolicy } from './ssrf';

/** What crawl services need from the process, passed in so they stay testable. */
export type CrawlDeps = {
  db: Database;
  embedder: Embedder;
  embedding: { batchSize: number; concurrency: number };
  /** Writes a line of context per chunk before embedding (CONTEXTUAL_EMBEDDINGS). */
  contextualizer: Contextualizer | null;
  network: { policy: NetworkPolicy; userAgent: string };
  logger: Logger;
};
