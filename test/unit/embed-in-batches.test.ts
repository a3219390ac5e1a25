import { afterEach, describe, expect, it } from 'vitest';
import { embedInBatches, planBatches } from '../../server/services/embeddings/embed-in-batches';
import { createOpenAIEmbedder } from '../../server/services/embeddings/openai-embedder';
import { type Embedder, EmbeddingConfigError, EmbeddingError } from '../../server/services/embeddings/types';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../fixtures/fake-openai';

const DIMS = 8;
const vec = (t: string) => fakeEmbedding(t, DIMS);
const texts = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** An Embedder that records its calls and how many ran at once. */
function stub(
  opts: {
    delayMs?: number | ((batch: string[]) => number);
    ignoreSignal?: boolean;
    fail?: (batch: string[]) => Error | null;
    answer?: (batch: string[]) => number[][];
  } = {},
) {
  const state = { calls: [] as string[][], signals: [] as (AbortSignal | undefined)[], inFlight: 0, maxInFlight: 0 };
  const embedder: Embedder = {
    model: 'stub',
    dimensions: DIMS,
    async embed(batch, { signal } = {}) {
      state.calls.push(batch);
      state.signals.push(signal);
      state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
      try {
        const delay = typeof opts.delayMs === 'function' ? opts.delayMs(batch) : (opts.delayMs ?? 0);
        await sleep(delay, opts.ignoreSignal ? undefined : signal);
        const err = opts.fail?.(batch);
        if (err) throw err;
        return opts.answer ? opts.answer(batch) : batch.map(vec);
      } finally {
        state.inFlight--;
      }
    },
  };
  return { embedder, state };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('planBatches', () => {
  it('splits by count', () => {
    expect(planBatches(texts(10), 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 10],
    ]);
    expect(planBatches(texts(3), 3)).toEqual([[0, 3]]);
    expect(planBatches([], 3)).toEqual([]);
  });

  it('splits by characters, sending a text longer than the limit alone', () => {
    const t = ['aaaa', 'bbbb', 'cccc', 'x'.repeat(20), 'd', 'e'];
    expect(planBatches(t, 100, 8)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ]);
    expect(planBatches(t, 1, 1000)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
    expect(planBatches(['x'.repeat(20)], 5, 8)).toEqual([[0, 1]]);
  });
});

describe('embedInBatches', () => {
  it('embeds every text in order, batch by batch', async () => {
    const { embedder, state } = stub();
    const input = texts(7);
    const result = await embedInBatches(embedder, input, { batchSize: 3, concurrency: 2 });
    expect(result).toEqual({ vectors: input.map(vec), failures: [] });
    expect(state.calls).toEqual([input.slice(0, 3), input.slice(3, 6), input.slice(6)]);
  });

  it('respects maxBatchChars', async () => {
    const { embedder, state } = stub();
    const input = ['aaaa', 'bbbb', 'cccc', 'x'.repeat(20), 'd'];
    const result = await embedInBatches(embedder, input, { batchSize: 10, maxBatchChars: 8, concurrency: 1 });
    expect(state.calls).toEqual([['aaaa', 'bbbb'], ['cccc'], ['x'.repeat(20)], ['d']]);
    expect(result.vectors).toEqual(input.map(vec));
  });

  it('runs at most `concurrency` batches at once', async () => {
    for (const concurrency of [1, 3]) {
      const { embedder, state } = stub({ delayMs: 15 });
      await embedInBatches(embedder, texts(20), { batchSize: 2, concurrency });
      expect(state.calls).toHaveLength(10);
      expect(state.maxInFlight).toBe(concurrency);
    }
  });

  it('isolates a failed batch: its texts get null and a failure each', async () => {
    const { embedder, state } = stub({ fail: (b) => (b.includes('bad') ? new EmbeddingError('provider said no') : null) });
    const input = ['a', 'b', 'c', 'bad', 'e', 'f', 'g'];
    const { vectors, failures } = await embedInBatches(embedder, input, { batchSize: 2, concurrency: 2 });
    expect(state.calls).toHaveLength(4);
    expect(vectors).toEqual([vec('a'), vec('b'), null, null, vec('e'), vec('f'), vec('g')]);
    expect(failures).toEqual([
      { index: 2, message: 'provider said no' },
      { index: 3, message: 'provider said no' },
    ]);
  });

  it('never stores what a broken embedder returns', async () => {
    const zero = new Array(DIMS).fill(0);
    const { embedder } = stub({
      answer: (b) => (b[0] === 'short' ? [vec('x')] : b[0] === 'zero' ? [zero, vec('y')] : b.map(vec)),
    });
    const { vectors, failures } = await embedInBatches(embedder, ['short', 'answer', 'zero', 'vec', 'ok', 'fine'], {
      batchSize: 2,
      concurrency: 1,
    });
    expect(vectors).toEqual([null, null, null, null, vec('ok'), vec('fine')]);
    expect(failures.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(failures[0]!.message).toContain('1 vectors for 2 texts');
    expect(failures[2]!.message).toContain('all zeros');
  });

  it('rejects at once on a configuration error, starts no new batch and cancels the ones in flight', async () => {
    const config = new EmbeddingConfigError('set EMBEDDING_API_KEY');
    const { embedder, state } = stub({
      delayMs: (b) => (b[0] === 't2' ? 10 : 5_000),
      fail: (b) => (b[0] === 't2' ? config : null),
    });
    const started = performance.now();
    const err = await failure(embedInBatches(embedder, texts(20), { batchSize: 2, concurrency: 2 }));
    expect(err).toBe(config);
    // Far sooner than the 5 s batch 0 would take if it were awaited rather than cancelled.
    expect(performance.now() - started).toBeLessThan(2_000);
    // Batch 1 failed while batch 0 was still in flight: 0 is cancelled and nothing else starts.
    expect(state.calls).toEqual([
      ['t0', 't1'],
      ['t2', 't3'],
    ]);
    expect(state.signals[0]!.aborted).toBe(true);
    await sleep(50);
    expect(state.calls).toHaveLength(2);
  });

  it('stops starting batches when the signal aborts and rejects with its reason', async () => {
    const { embedder, state } = stub({ delayMs: 40 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const err = await failure(embedInBatches(embedder, texts(20), { batchSize: 2, concurrency: 1, signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(state.calls).toHaveLength(2);
    expect(state.signals[1]!.aborted).toBe(true);
    await sleep(100);
    expect(state.calls).toHaveLength(2);
  });

  it('does not wait for an embedder that ignores the signal', async () => {
    const { embedder } = stub({ delayMs: 1_500, ignoreSignal: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = performance.now();
    const err = await failure(embedInBatches(embedder, texts(4), { batchSize: 2, concurrency: 2, signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('does nothing for no texts or an aborted signal, and refuses bad options', async () => {
    const { embedder, state } = stub();
    expect(await embedInBatches(embedder, [], { batchSize: 2, concurrency: 2 })).toEqual({ vectors: [], failures: [] });
    expect((await failure(embedInBatches(embedder, ['x'], { batchSize: 2, concurrency: 2, signal: AbortSignal.abort() }))).name).toBe('AbortError');
    expect(state.calls).toHaveLength(0);
    await expect(embedInBatches(embedder, ['x'], { batchSize: 0, concurrency: 1 })).rejects.toThrow(RangeError);
    await expect(embedInBatches(embedder, ['x'], { batchSize: 1, concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(embedInBatches(embedder, ['x'], { batchSize: 1, concurrency: 1.5 })).rejects.toThrow(RangeError);
    await expect(embedInBatches(embedder, ['x'], { batchSize: 1, concurrency: 1, maxBatchChars: 0 })).rejects.toThrow(RangeError);
  });
});

describe('embedInBatches with the OpenAI-compatible embedder', () => {
  let fake: FakeOpenAI;
  afterEach(() => fake.close());

  const openai = () => createOpenAIEmbedder({ baseURL: fake.url, apiKey: 'k', model: 'm', dimensions: DIMS, sendDimensions: false, maxRetries: 0 });

  it('keeps the batches that worked when one request fails', async () => {
    fake = await startFakeOpenAI({ dimensions: DIMS });
    fake.script([{ type: 'ok' }, { type: 'error', status: 500, message: 'boom' }]);
    const input = texts(6);
    const { vectors, failures } = await embedInBatches(openai(), input, { batchSize: 2, concurrency: 1 });
    expect(vectors).toEqual([vec('t0'), vec('t1'), null, null, vec('t4'), vec('t5')]);
    expect(failures.map((f) => f.index)).toEqual([2, 3]);
    expect(failures[0]!.message).toMatch(/HTTP 500: boom/);
  });

  it('keeps to the concurrency limit on the wire and stops on a bad key', async () => {
    fake = await startFakeOpenAI({ dimensions: DIMS });
    fake.script([{ type: 'delay', ms: 30, times: 10 }]);
    await embedInBatches(openai(), texts(20), { batchSize: 2, concurrency: 3 });
    expect(fake.requests).toHaveLength(10);
    expect(fake.maxInFlight).toBe(3);

    fake.script([{ type: 'error', status: 401, times: 100 }]);
    const err = await failure(embedInBatches(openai(), texts(20), { batchSize: 2, concurrency: 1 }));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect(fake.requests).toHaveLength(11);
  });
});
