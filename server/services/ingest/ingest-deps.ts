import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import type { Embedder } from '../embeddings/types';
import type { Contextualizer } from './contextualize';
import type { Summarizer } from './summarizer';
import type { NetworkPolicy } from '../crawl/ssrf';

/** What crawl services need from the process, passed in so they stay testable. */
export type IngestDeps = {
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
