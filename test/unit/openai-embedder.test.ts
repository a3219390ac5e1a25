import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from '../../server/services/embeddings/openai-embedder';
import { EmbeddingConfigError, EmbeddingError } from '../../server/services/embeddings/types';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../fixtures/fake-openai';

const DIMS = 16;
const TEXTS = ['alpha', 'beta gamma', 'delta epsilon zeta'];
const expected = (texts: string[]) => texts.map((t) => fakeEmbedding(t, DIMS));

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI({ dimensions: DIMS });
});
afterEach(async () => {
  await fake.close();
});

const make = (o: Partial<OpenAIEmbedderOptions> = {}) =>
  createOpenAIEmbedder({
    baseURL: fake.url,
    apiKey: 'sk-test',
    model: 'test-embed',
    dimensions: DIMS,
    sendDimensions: false,
    timeoutMs: 5_000,
    maxRetries: 2,
    ...o,
  });

/** Resolves to the error a promise rejects with, failing the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await f();
  return [value, performance.now() - started];
}

describe('OpenAI-compatible embedder: answers', () => {
  it('requests base64 and decodes it into the exact vectors', async () => {
    const e = make();
    expect(e.model).toBe('test-embed');
    expect(e.dimensions).toBe(DIMS);
    expect(await e.embed(TEXTS)).toEqual(expected(TEXTS));
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req!.path).toBe('/v1/embeddings');
    expect(req!.headers.authorization).toBe('Bearer sk-test');
    expect(req!.body).toEqual({ model: 'test-embed', input: TEXTS, encoding_format: 'base64' });
  });

  it('accepts plain float arrays from servers that ignore encoding_format', async () => {
    fake.script([{ type: 'floats' }]);
    expect(await make().embed(TEXTS)).toEqual(expected(TEXTS));
  });

  it('sends dimensions only when told to', async () => {
    fake.setDimensions(64); // the model's native size; the request asks for 16
    expect(await make({ sendDimensions: true }).embed(['x'])).toEqual(expected(['x']));
    expect(fake.requests[0]!.body.dimensions).toBe(DIMS);
    const err = await failure(make({ sendDimensions: false }).embed(['x']));
    expect(fake.requests[1]!.body).not.toHaveProperty('dimensions');
    expect(err).toBeInstanceOf(EmbeddingConfigError);
  });

  it('puts vectors back in input order by index', async () => {
    fake.script([{ type: 'shuffled' }]);
    expect(await make().embed(TEXTS)).toEqual(expected(TEXTS));
  });

  it('answers an empty batch without a request', async () => {
    expect(await make().embed([])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('OpenAI-compatible embedder: retries (done by the SDK)', () => {
  it('waits retry-after-ms after a 429 and succeeds, each retry visible', async () => {
    fake.script([{ type: 'rate-limit', retryAfterMs: 20, times: 2 }]);
    const [vectors, ms] = await timed(() => make({ maxRetries: 2 }).embed(TEXTS));
    expect(vectors).toEqual(expected(TEXTS));
    expect(fake.requests.map((r) => r.step)).toEqual(['rate-limit', 'rate-limit', 'ok']);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(ms).toBeGreaterThanOrEqual(38);
    // The SDK's own backoff without the header would take at least 375 + 750 ms.
    expect(ms).toBeLessThan(900);
  });

  it('waits retry-after in seconds', async () => {
    fake.script([{ type: 'rate-limit', retryAfter: 1 }]);
    const [vectors, ms] = await timed(() => make().embed(['x']));
    expect(vectors).toEqual(expected(['x']));
    expect(fake.requests).toHaveLength(2);
    // Longer than the SDK's default first backoff (at most 500 ms), so the header was obeyed.
    expect(ms).toBeGreaterThanOrEqual(980);
  });

  it('gives up after maxRetries with an EmbeddingError naming URL, model and status', async () => {
    fake.script([{ type: 'rate-limit', retryAfterMs: 5, times: 10 }]);
    const err = await failure(make({ maxRetries: 2 }).embed(TEXTS));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect((err as EmbeddingError).status).toBe(429);
    expect(err.message).toContain(fake.url);
    expect(err.message).toContain('test-embed');
    expect(err.message).toContain('HTTP 429');
    expect(err.message).toContain('3 attempts');
    expect(fake.requests).toHaveLength(3);
  });

  it('retries 500s, and fails with the status once retries run out', async () => {
    const retryFast = { 'retry-after-ms': '5' };
    fake.script([{ type: 'error', status: 500, headers: retryFast }]);
    expect(await make().embed(['x'])).toEqual(expected(['x']));
    expect(fake.requests).toHaveLength(2);

    fake.script([{ type: 'error', status: 503, message: 'overloaded', headers: retryFast, times: 3 }]);
    const err = await failure(make({ maxRetries: 1 }).embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err).not.toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toMatch(/HTTP 503: overloaded after 2 attempts/);
    expect(fake.requests).toHaveLength(4);
  });

  it('retries a timed-out attempt, then gives up with an EmbeddingError', async () => {
    fake.script([{ type: 'hang' }]);
    expect(await make({ timeoutMs: 200, maxRetries: 1 }).embed(['x'])).toEqual(expected(['x']));
    expect(fake.requests).toHaveLength(2);

    fake.script([{ type: 'hang', times: 5 }]);
    const [err, ms] = await timed(() => failure(make({ timeoutMs: 200, maxRetries: 0 }).embed(['x'])));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err.message).toMatch(/timed out after 200 ms \(1 attempts\)/);
    expect(err.message).toContain(fake.url);
    expect(ms).toBeLessThan(2_000);
  });

  it('reports an unreachable server as an EmbeddingError', async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const err = await failure(make({ baseURL: gone.url, maxRetries: 0 }).embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err.message).toMatch(/Could not reach test-embed at .*ECONNREFUSED/);
  });
});

describe('OpenAI-compatible embedder: problems retrying cannot fix', () => {
  it('names EMBEDDING_DIMENSIONS when the model returns another dimension', async () => {
    fake.script([{ type: 'wrong-dimensions', dimensions: 12 }]);
    const err = await failure(make().embed(TEXTS));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toBe(
      'test-embed returned 12-dimensional vectors but EMBEDDING_DIMENSIONS is 16; ' +
        'set EMBEDDING_DIMENSIONS=12 (and re-embed) or choose a 16-dimensional model',
    );
    expect(fake.requests).toHaveLength(1);

    fake.script([{ type: 'wrong-dimensions', dimensions: 12 }]);
    expect((await failure(make({ sendDimensions: true }).embed(TEXTS))).message).toContain('ignored the requested dimensions=16');
  });

  it.each([
    [401, 'EMBEDDING_API_KEY to a valid key'],
    [403, 'EMBEDDING_API_KEY may use model test-embed'],
    [404, 'set EMBEDDING_MODEL to a model this provider serves'],
  ])('turns HTTP %i into an EmbeddingConfigError without retrying', async (status, advice) => {
    fake.script([{ type: 'error', status, message: 'nope' }]);
    const err = await failure(make().embed(TEXTS));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect((err as EmbeddingConfigError).status).toBe(status);
    expect(err.message).toContain(`HTTP ${status}: nope`);
    expect(err.message).toContain(advice);
    expect(err.message).toContain(fake.url);
    expect(fake.requests).toHaveLength(1);
  });

  it('treats an exhausted quota as configuration', async () => {
    fake.script([{ type: 'rate-limit', retryAfterMs: 1, code: 'insufficient_quota', times: 5 }]);
    const err = await failure(make({ maxRetries: 1 }).embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toContain('no quota left');
  });

  it('treats a rejected dimensions parameter as configuration, other 400s as a failed batch', async () => {
    fake.script([{ type: 'error', status: 400, message: 'This model does not support specifying dimensions.' }]);
    const err = await failure(make({ sendDimensions: true }).embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toContain('EMBEDDING_SEND_DIMENSIONS=false');

    fake.script([{ type: 'error', status: 400, message: 'input too long' }]);
    const other = await failure(make({ sendDimensions: true }).embed(['x']));
    expect(other).toBeInstanceOf(EmbeddingError);
    expect(other.message).toMatch(/HTTP 400: input too long$/);
    expect(fake.requests).toHaveLength(2);
  });

  it('treats a 200 that is not an embeddings answer as a wrong base URL', async () => {
    fake.script([{ type: 'raw', body: '<html>Ollama is running</html>', contentType: 'text/html' }]);
    const err = await failure(make().embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toContain('EMBEDDING_BASE_URL');
  });

  it('refuses unusable settings up front', () => {
    expect(() => make({ baseURL: 'http://user:s3cret@127.0.0.1:1/v1' })).toThrow(EmbeddingConfigError);
    expect(() => make({ baseURL: 'http://user:s3cret@127.0.0.1:1/v1' })).not.toThrow(/s3cret/);
    expect(() => make({ baseURL: 'ftp://example.com/v1' })).toThrow(EmbeddingConfigError);
    expect(() => make({ baseURL: 'not a url' })).toThrow(EmbeddingConfigError);
    expect(() => make({ dimensions: 0 })).toThrow(EmbeddingConfigError);
  });
});

describe('OpenAI-compatible embedder: answers it must not trust', () => {
  it('rejects the wrong number of vectors', async () => {
    fake.script([{ type: 'wrong-count' }]);
    const err = await failure(make().embed(TEXTS));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err).not.toBeInstanceOf(EmbeddingConfigError);
    expect(err.message).toContain('returned 2 vectors for 3 texts');
  });

  it('rejects a zero vector', async () => {
    fake.script([{ type: 'zero-vector' }]);
    const err = await failure(make().embed(TEXTS));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err.message).toContain('all zeros');
  });

  it('rejects duplicate indexes and non-finite numbers', async () => {
    const v = [...fakeEmbedding('x', DIMS)];
    const body = (data: unknown[]) => JSON.stringify({ object: 'list', data, model: 'test-embed' });
    fake.script([
      {
        type: 'raw',
        body: body([
          { index: 0, embedding: v },
          { index: 0, embedding: v },
        ]),
      },
      { type: 'raw', body: body([{ index: 0, embedding: [...v.slice(1), 'NaN'] }]) },
    ]);
    expect((await failure(make().embed(['x', 'y']))).message).toContain('duplicate');
    const err = await failure(make().embed(['x']));
    expect(err).toBeInstanceOf(EmbeddingError);
    expect(err.message).toContain('element 15');
  });
});

describe('OpenAI-compatible embedder: abort', () => {
  it('rejects at once when aborted during a request or a retry wait', async () => {
    fake.script([{ type: 'hang' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const [err, ms] = await timed(() => failure(make().embed(['x'], { signal: controller.signal })));
    expect(err.name).toBe('AbortError');
    expect(ms).toBeLessThan(1_000);

    fake.script([{ type: 'rate-limit', retryAfterMs: 3_000 }]);
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 100);
    const [err2, ms2] = await timed(() => failure(make().embed(['x'], { signal: waiting.signal })));
    expect(err2.name).toBe('AbortError');
    expect(ms2).toBeLessThan(1_000);
  });

  it('does not send anything when already aborted', async () => {
    const err = await failure(make().embed(['x'], { signal: AbortSignal.abort() }));
    expect(err.name).toBe('AbortError');
    expect(fake.requests).toHaveLength(0);
  });
});
