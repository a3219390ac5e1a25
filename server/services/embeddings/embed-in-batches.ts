import { setMaxListeners } from 'node:events';
import { type Embedder, isEmbeddingConfigError } from './types';
import { validateVector } from './validate';

export type EmbedInBatchesOptions = {
  /** Most texts per request. */
  batchSize: number;
  /** Most characters per request (a longer single text still goes alone). Providers cap tokens per request. */
  maxBatchChars?: number;
  /** Most requests in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
};

export type EmbedInBatchesResult = {
  /** One per text, in input order; null when its batch failed. */
  vectors: (number[] | null)[];
  /** One per text whose batch failed, in input order. */
  failures: { index: number; message: string }[];
};

/** Consecutive runs of texts: [start, end) ranges that respect both limits. */
export function planBatches(texts: string[], batchSize: number, maxBatchChars = Infinity): [number, number][] {
  const batches: [number, number][] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < texts.length; i++) {
    const len = texts[i]!.length;
    if (i > start && (i - start >= batchSize || chars + len > maxBatchChars)) {
      batches.push([start, i]);
      start = i;
      chars = 0;
    }
    chars += len;
  }
  if (start < texts.length) batches.push([start, texts.length]);
  return batches;
}

/**
 * Embeds many texts with bounded concurrency. A failed batch costs only its own
 * texts (null vectors and one failure each) so one bad chunk does not sink a
 * crawl; but a configuration error rejects at once, since every other batch
 * would fail the same way. When `signal` aborts, no new batch starts, batches
 * in flight are cancelled, and the promise rejects with the signal's reason.
 */
export async function embedInBatches(embedder: Embedder, texts: string[], opts: EmbedInBatchesOptions): Promise<EmbedInBatchesResult> {
  const { batchSize, concurrency, maxBatchChars } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (maxBatchChars !== undefined && !(maxBatchChars > 0)) throw new RangeError(`maxBatchChars must be positive, got ${maxBatchChars}`);
  opts.signal?.throwIfAborted();

  const vectors: (number[] | null)[] = new Array(texts.length).fill(null);
  const failed: { index: number; message: string }[] = [];
  const batches = planBatches(texts, batchSize, maxBatchChars);

  // One controller for the whole run: the caller's abort and our own stop on a config error both cancel requests in flight.
  const stop = new AbortController();
  // Every request in flight (and the SDK's retries) listens on this signal.
  setMaxListeners(Math.max(10, concurrency * 8), stop.signal);
  const onAbort = () => stop.abort(opts.signal!.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let next = 0;
  async function worker(): Promise<void> {
    while (next < batches.length && !stop.signal.aborted) {
      const [start, end] = batches[next++]!;
      try {
        const batch = texts.slice(start, end);
        const result = await embedder.embed(batch, { signal: stop.signal });
        stop.signal.throwIfAborted();
        // The Embedder contract promises this; a broken implementation must still not corrupt storage.
        if (!Array.isArray(result) || result.length !== batch.length) {
          throw new Error(`${embedder.model} returned ${Array.isArray(result) ? result.length : 'no'} vectors for ${batch.length} texts`);
        }
        result.forEach((v, i) => {
          try {
            validateVector(v, embedder.dimensions);
          } catch (err) {
            throw new Error(`${embedder.model} returned an unusable vector for text ${start + i}: ${(err as Error).message}`);
          }
        });
        for (let i = start; i < end; i++) vectors[i] = result[i - start]!;
      } catch (err) {
        if (stop.signal.aborted) throw stop.signal.reason;
        if (isEmbeddingConfigError(err)) {
          stop.abort(err);
          throw err;
        }
        const message = err instanceof Error ? err.message : String(err);
        for (let i = start; i < end; i++) failed.push({ index: i, message });
      }
    }
  }

  try {
    // Settles on the first fatal error or abort without waiting for batches in
    // flight: they were cancelled through `stop`, and an embedder that ignores
    // its signal must not hold the caller up.
    await new Promise<void>((resolve, reject) => {
      stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true });
      const workers = Array.from({ length: Math.min(concurrency, batches.length) }, worker);
      Promise.all(workers).then(() => resolve(), reject);
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  stop.signal.throwIfAborted();
  failed.sort((a, b) => a.index - b.index);
  return { vectors, failures: failed };
}
