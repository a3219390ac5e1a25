import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import type { Embedder } from '../embeddings/types';
import type { Contextualizer } from './contextualize';
import type { Summarizer } from './summarizer';

/**
 * What the crawler may connect to besides public addresses
 * (CRAWL_ALLOW_PRIVATE_NETWORK, CRAWL_ALLOWED_HOSTS). `allowedHosts` entries
 * are `host`, `host:port` (`[v6]:port` for IPv6) or a CIDR range. Host entries
 * match the hostname as written in the URL, so allowing `127.0.0.1:8080` does
 * not allow `localhost:8080`; a CIDR matches resolved addresses whatever the name.
 */
export type NetworkPolicy = { allowPrivate: boolean; allowedHosts: string[] };

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
