import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { testProviderSchema } from '../../server/schemas/provider-settings';
import type { ProviderSettingsView } from '../../server/services/providers/provider-settings';
import { type ProviderBase, resolveTestTarget, type SavedProviders, testProviderConnection } from '../../server/services/providers/test-provider';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';

/** The settings page's "Test connection" against the fake OpenAI server: what it reports, and what it never does. */

const DIMS = 16;
const KEY = 'sk-test-0123456789abcdef';
let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI({ dimensions: DIMS });
});
afterEach(async () => {
  await fake.close();
});

const noKey = { set: false, masked: null, readable: true };
const emptyView = (): ProviderSettingsView => ({
  embedding: { baseUrl: null, model: null, dimensions: null, apiKey: noKey },
  chat: { baseUrl: null, model: null, apiKey: noKey },
});
const nothingSaved: SavedProviders = { view: emptyView(), secrets: { embedding: null, chat: null } };
const base = (o: Partial<ProviderBase> = {}): ProviderBase => ({ EMBEDDING_DIMENSIONS: DIMS, ...o });

const test = (input: unknown, saved = nothingSaved, env = base(), opts = {}) =>
  testProviderConnection(env, saved, testProviderSchema.parse(input), { timeoutMs: 2_000, ...opts });

describe('provider connection test: embedding', () => {
  it('reports success with the model, the dimension and the time taken, sending the typed key once', async () => {
    const result = await test({ kind: 'embedding', baseUrl: fake.url, model: 'text-embedding-3-small', apiKey: KEY });
    expect(result).toMatchObject({ ok: true, target: { baseUrl: fake.url, model: 'text-embedding-3-small', dimensions: DIMS, keySent: true } });
    expect(result.message).toMatch(/^Connected: "text-embedding-3-small" returned a 16-dimensional vector in \d+ ms\.$/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    // text-embedding-3 models are asked for the configured dimension, as the embedder asks.
    expect(fake.requests[0]!.body).toMatchObject({ dimensions: DIMS, encoding_format: 'base64' });
  });

  it('says a 401 is the key, without echoing the key the provider quoted, and does not retry', async () => {
    fake.script([{ type: 'error', status: 401, message: `Incorrect API key provided: ${KEY}.` }]);
    const result = await test({ kind: 'embedding', baseUrl: fake.url, model: 'm', apiKey: KEY });
    expect(result).toMatchObject({ ok: false, code: 'unauthorized', status: 401 });
    expect(result.message).toBe(
      `${fake.url} rejected the API key (HTTP 401: Incorrect API key provided: [key].). Enter a valid key for this provider.`,
    );
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(fake.requests).toHaveLength(1);
  });

  it('names the model a 404 did not find', async () => {
    fake.script([{ type: 'error', status: 404, message: 'The model `nope` does not exist' }]);
    const result = await test({ kind: 'embedding', baseUrl: fake.url, model: 'nope' });
    expect(result).toMatchObject({ ok: false, code: 'model_not_found', status: 404 });
    expect(result.message).toMatch(
      /has no model "nope" \(HTTP 404: The model `nope` does not exist\)\. Check the model name, and that the base URL ends in \/v1\./,
    );
  });

  it('says which dimension the model really has', async () => {
    fake.script([{ type: 'wrong-dimensions', dimensions: 24 }]);
    const result = await test({ kind: 'embedding', baseUrl: fake.url, model: 'local-model' });
    expect(result).toMatchObject({ ok: false, code: 'wrong_dimensions' });
    expect(result.message).toBe(
      '"local-model" returns 24-dimensional vectors, but the dimension is set to 16. Set the dimension to 24, or choose a 16-dimensional model.',
    );
  });

  it('says nothing listens at an unreachable address, with the reason', async () => {
    const closed = await startFakeOpenAI();
    const url = closed.url;
    await closed.close();
    const result = await test({ kind: 'embedding', baseUrl: url, model: 'm' });
    expect(result).toMatchObject({ ok: false, code: 'unreachable', status: null });
    expect(result.message).toBe(
      `Could not reach ${url}: the connection was refused: nothing listens on that port (ECONNREFUSED). Check the base URL and that the server is running.`,
    );
  });

  it('gives up at its deadline on a server that never answers', async () => {
    fake.script([{ type: 'hang' }]);
    const started = performance.now();
    const result = await test({ kind: 'embedding', baseUrl: fake.url, model: 'm' }, nothingSaved, base(), { timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ ok: false, code: 'timeout' });
    expect(result.message).toMatch(/^No answer from http:\/\/127\.0\.0\.1:\d+\/v1 within \d+ s\./);
  });

  it('stops reading a response larger than its bound, and calls an HTML page what it is', async () => {
    fake.script([{ type: 'raw', body: JSON.stringify({ data: [{ embedding: 'A'.repeat(4096) }] }) }]);
    const large = await test({ kind: 'embedding', baseUrl: fake.url, model: 'm' }, nothingSaved, base(), { maxBytes: 1024 });
    expect(large).toMatchObject({ ok: false, code: 'too_large' });
    expect(large.message).toMatch(/answered, but the response was larger than 1 kB/);

    fake.script([{ type: 'raw', body: '<html>Welcome to nginx</html>', contentType: 'text/html' }]);
    const html = await test({ kind: 'embedding', baseUrl: fake.url, model: 'm' });
    expect(html).toMatchObject({ ok: false, code: 'bad_response' });
  });

  it('reports a redirect instead of following it', async () => {
    const target = await startFakeOpenAI({ dimensions: DIMS });
    const redirector = http.createServer((_req, res) => {
      res.writeHead(307, { location: `${target.url}/embeddings` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/v1`;
    try {
      const result = await test({ kind: 'embedding', baseUrl: url, model: 'm', apiKey: KEY });
      expect(result).toMatchObject({ ok: false, code: 'redirect', status: 307 });
      expect(result.message).toContain(`redirects to ${target.url}/embeddings`);
      expect(target.requests).toHaveLength(0);
    } finally {
      redirector.close();
      await target.close();
    }
  });

  it('tests the offline embedder without any request when no provider is set', async () => {
    const result = await test({ kind: 'embedding' });
    expect(result).toMatchObject({ ok: true, target: { baseUrl: null, model: 'archon-hash-v2', keySent: false } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('provider connection test: which key goes where', () => {
  const saved: SavedProviders = {
    view: {
      ...emptyView(),
      embedding: { baseUrl: 'http://saved.example/v1', model: 'm', dimensions: null, apiKey: { set: true, masked: 'sk-…cdef', readable: true } },
    },
    secrets: { embedding: 'sk-saved-key-123456', chat: null },
  };

  it('uses the saved key with the saved address, and never sends it to another one', async () => {
    expect(resolveTestTarget(base(), saved, testProviderSchema.parse({ kind: 'embedding' })).apiKey).toBe('sk-saved-key-123456');
    const moved = await test({ kind: 'embedding', baseUrl: fake.url }, saved);
    expect(moved.target.keySent).toBe(false);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer not-needed');
    // A key typed with the new address goes there.
    expect(resolveTestTarget(base(), saved, testProviderSchema.parse({ kind: 'embedding', baseUrl: fake.url, apiKey: KEY })).apiKey).toBe(KEY);
  });

  it("sends the environment's keys only to the environment's address", () => {
    const env = base({ EMBEDDING_BASE_URL: 'http://env.example/v1', EMBEDDING_API_KEY: 'sk-env-embedding' });
    expect(resolveTestTarget(env, nothingSaved, testProviderSchema.parse({ kind: 'embedding' })).apiKey).toBe('sk-env-embedding');
    expect(resolveTestTarget(env, nothingSaved, testProviderSchema.parse({ kind: 'embedding', baseUrl: fake.url })).apiKey).toBeUndefined();
    // loadConfig lets OPENAI_API_KEY stand in for both keys, as the server reads it.
    const openAiOnly = loadConfig({ OPENAI_API_KEY: 'sk-openai-env', EMBEDDING_DIMENSIONS: String(DIMS) });
    expect(resolveTestTarget(openAiOnly, nothingSaved, testProviderSchema.parse({ kind: 'chat', model: 'gpt' })).apiKey).toBe('sk-openai-env');
    expect(resolveTestTarget(openAiOnly, nothingSaved, testProviderSchema.parse({ kind: 'chat', baseUrl: fake.url })).apiKey).toBeUndefined();
    // Removing the saved key (null) falls back to what the environment gives that address.
    expect(resolveTestTarget(env, nothingSaved, testProviderSchema.parse({ kind: 'embedding', apiKey: null })).apiKey).toBe('sk-env-embedding');
  });

  it('tests what is in effect when nothing is changed, as the runtime builds it', async () => {
    const env = base({ EMBEDDING_BASE_URL: 'http://env.example/v1', EMBEDDING_MODEL: 'env-model', EMBEDDING_API_KEY: 'sk-env-embedding' });
    const target = resolveTestTarget(env, nothingSaved, testProviderSchema.parse({ kind: 'embedding' }));
    expect(target).toMatchObject({ baseUrl: 'http://env.example/v1', model: 'env-model', apiKey: 'sk-env-embedding', dimensions: DIMS });
    const withSaved = resolveTestTarget(env, saved, testProviderSchema.parse({ kind: 'embedding' }));
    expect(withSaved).toMatchObject({ baseUrl: 'http://saved.example/v1', model: 'm', apiKey: 'sk-saved-key-123456' });
  });
});

describe('provider connection test: chat', () => {
  it('asks the chat model for one short answer', async () => {
    const result = await test({ kind: 'chat', baseUrl: fake.url, model: 'gpt-test', apiKey: KEY });
    expect(result).toMatchObject({ ok: true, target: { kind: 'chat', model: 'gpt-test', dimensions: null } });
    expect(fake.requests[0]!.path).toBe('/v1/chat/completions');
  });

  it('says when no chat model is set, without a request', async () => {
    const result = await test({ kind: 'chat', baseUrl: fake.url });
    expect(result).toMatchObject({ ok: false, code: 'not_configured' });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a dimension for a chat model', () => {
    expect(testProviderSchema.safeParse({ kind: 'chat', dimensions: 8 }).success).toBe(false);
  });
});
