import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import type { Embedder } from '../embeddings/types';
import type { Contextualizer } from '../ingest/contextualize';
import type { Summarizer } from '../ingest/summarizer';
import type { NetworkPolicy } from './ssrf';

/** What crawl services need from the process, passed in so they stay testable. */
export type CrawlDeps = {
  db: Database;
  embedder: Embedder;
  embedding: { batchSize: number; concurrency: number };
  /** Writes a line of context per chunk before embedding (CONTEXTUAL_EMBEDDINGS). */
  contextualizer: Contextualizer | null;
  /** Names and summarises code examples and sources with the chat model (CHAT_MODEL); null uses deterministic text. */
  summarizer: Summarizer | null;
  network: { policy: NetworkPolicy; userAgent: string };
  logger: Logger;
};
