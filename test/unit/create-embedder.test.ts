import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptsDimensions,
  createEmbedder,
  DEFAULT_BASE_URL,
  DEFAULT_MODEL,
  resolveEmbeddingSettings,
} from '../../server/services/embeddings/create-embedder';
import { createHashEmbedder } from '../../server/services/embeddings/hash-embedder';
import { EmbeddingConfigError } from '../../server/services/embeddings/types';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../fixtures/fake-openai';

describe('resolveEmbeddingSettings', () => {
  it('uses the offline hash embedder with neither key nor URL (blank counts as unset)', () => {
    expect(resolveEmbeddingSettings({ dimensions: 1536 })).toEqual({ kind: 'hash', dimensions: 1536 });
    expect(resolveEmbeddingSettings({ dimensions: 384, apiKey: ' ', baseURL: '', model: 'ignored' })).toEqual({
      kind: 'hash',
      dimensions: 384,
    });
  });

  it('defaults to OpenAI and text-embedding-3-small with a key', () => {
    expect(resolveEmbeddingSettings({ dimensions: 1536, apiKey: 'sk-1' })).toEqual({
      kind: 'openai',
      options: {
        baseURL: 'https://api.openai.com/v1',
        apiKey: 'sk-1',
        model: 'text-embedding-3-small',
        dimensions: 1536,
        sendDimensions: true,
        timeoutMs: undefined,
        maxRetries: undefined,
      },
    });
    expect(DEFAULT_BASE_URL).toBe('https://api.openai.com/v1');
    expect(DEFAULT_MODEL).toBe('text-embedding-3-small');
  });

  it('allows a local server without a key', () => {
    const r = resolveEmbeddingSettings({ dimensions: 768, baseURL: 'http://localhost:11434/v1', model: 'nomic-embed-text' });
    expect(r).toMatchObject({
      kind: 'openai',
      options: { baseURL: 'http://localhost:11434/v1', apiKey: 'not-needed', model: 'nomic-embed-text', sendDimensions: false },
    });
  });

  it('sends dimensions by default only to text-embedding-3 models', () => {
    expect(acceptsDimensions('text-embedding-3-small')).toBe(true);
    expect(acceptsDimensions('text-embedding-3-large')).toBe(true);
    expect(acceptsDimensions('text-embedding-ada-002')).toBe(false);
    expect(acceptsDimensions('nomic-embed-text')).toBe(false);
    const send = (model: string, sendDimensions?: boolean) => {
      const r = resolveEmbeddingSettings({ dimensions: 256, apiKey: 'k', model, sendDimensions });
      return r.kind === 'openai' && r.options.sendDimensions;
    };
    expect(send('text-embedding-3-large')).toBe(true);
    expect(send('text-embedding-ada-002')).toBe(false);
    expect(send('text-embedding-3-large', false)).toBe(false);
    expect(send('mxbai-embed-large', true)).toBe(true);
  });
});

describe('createEmbedder', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await startFakeOpenAI({ dimensions: 32 });
  });
  afterEach(() => fake.close());

  it('builds the hash embedder offline', async () => {
    const e = createEmbedder({ dimensions: 32 });
    expect(e.model).toBe('archon-hash-v2');
    expect(e.dimensions).toBe(32);
    expect(await e.embed(['offline text'])).toEqual(await createHashEmbedder(32).embed(['offline text']));
    expect(fake.requests).toHaveLength(0);
  });

  it('talks to an OpenAI-compatible server with the placeholder key and no dimensions for other models', async () => {
    const e = createEmbedder({ dimensions: 32, baseURL: fake.url, model: 'nomic-embed-text' });
    expect(e.model).toBe('nomic-embed-text');
    expect(await e.embed(['hello'])).toEqual([fakeEmbedding('hello', 32)]);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer not-needed');
    expect(fake.requests[0]!.body).toEqual({ model: 'nomic-embed-text', input: ['hello'], encoding_format: 'base64' });
  });

  it('uses the default model, the key and dimensions against a given URL', async () => {
    const e = createEmbedder({ dimensions: 32, baseURL: fake.url, apiKey: 'sk-abc' });
    expect(e.model).toBe('text-embedding-3-small');
    await e.embed(['hello']);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-abc');
    expect(fake.requests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 32 });
  });

  it('passes retry and timeout settings through', async () => {
    fake.script([{ type: 'error', status: 500, headers: { 'retry-after-ms': '1' }, times: 10 }]);
    const e = createEmbedder({ dimensions: 32, baseURL: fake.url, maxRetries: 3, timeoutMs: 1_000 });
    await expect(e.embed(['x'])).rejects.toThrow(/after 4 attempts/);
    expect(fake.requests).toHaveLength(4);
  });

  it('refuses a bad URL or dimension before any request', () => {
    expect(() => createEmbedder({ dimensions: 32, baseURL: 'localhost:11434' })).toThrow(EmbeddingConfigError);
    expect(() => createEmbedder({ dimensions: 0 })).toThrow(EmbeddingConfigError);
    expect(() => createEmbedder({ dimensions: 0, apiKey: 'k' })).toThrow(EmbeddingConfigError);
  });
});
