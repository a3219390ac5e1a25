import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI, toBase64Float32 } from '../fixtures/fake-openai';

// The fixture is shared by many suites; these pin down what they rely on.
let fake: FakeOpenAI;
let client: OpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI({ dimensions: 6 });
  client = new OpenAI({ baseURL: fake.url, apiKey: 'k', maxRetries: 0, timeout: 2_000 });
});
afterEach(() => fake.close());

describe('fake OpenAI: embeddings', () => {
  it('serves deterministic unit vectors in float and base64 encodings', async () => {
    const v = fakeEmbedding('abc', 6);
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    expect(fakeEmbedding('abc', 6)).toEqual(v);
    expect(fakeEmbedding('abd', 6)).not.toEqual(v);

    const float = await client.embeddings.create({ model: 'm', input: ['abc', 'x'], encoding_format: 'float' });
    expect(float.data.map((d) => d.embedding)).toEqual([v, fakeEmbedding('x', 6)]);
    expect(float.data.map((d) => d.index)).toEqual([0, 1]);

    const raw = await client.embeddings.create({ model: 'm', input: 'abc', encoding_format: 'base64' });
    expect(raw.data[0]!.embedding as unknown).toBe(toBase64Float32(v));

    // The SDK's default: it asks for base64 and decodes it itself.
    const decoded = await client.embeddings.create({ model: 'm', input: ['abc'] });
    expect(fake.requests[2]!.body.encoding_format).toBe('base64');
    expect(decoded.data[0]!.embedding).toEqual(v);
  });

  it('honours dimensions when sent and setDimensions otherwise', async () => {
    const asked = await client.embeddings.create({ model: 'm', input: ['a'], dimensions: 3, encoding_format: 'float' });
    expect(asked.data[0]!.embedding).toHaveLength(3);
    fake.setDimensions(10);
    const native = await client.embeddings.create({ model: 'm', input: ['a'], encoding_format: 'float' });
    expect(native.data[0]!.embedding).toEqual(fakeEmbedding('a', 10));
  });

  it('rejects malformed requests with 400', async () => {
    await expect(client.embeddings.create({ model: 'm', input: [] })).rejects.toMatchObject({ status: 400 });
    await expect(client.embeddings.create({ model: '', input: ['x'] })).rejects.toMatchObject({ status: 400 });
  });
});

describe('fake OpenAI: script', () => {
  it('applies steps in order, `times` over, and records every request', async () => {
    fake.script([
      { type: 'error', status: 503, times: 2 },
      { type: 'wrong-count', count: 3 },
    ]);
    await expect(client.embeddings.create({ model: 'm', input: ['a'] })).rejects.toMatchObject({ status: 503 });
    await expect(client.embeddings.create({ model: 'm', input: ['a'] })).rejects.toMatchObject({ status: 503 });
    const wrong = await client.embeddings.create({ model: 'm', input: ['a'] });
    expect(wrong.data).toHaveLength(3);
    await client.embeddings.create({ model: 'm', input: ['a'] });
    expect(fake.requests.map((r) => r.step)).toEqual(['error', 'error', 'wrong-count', 'ok']);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/embeddings', body: { model: 'm', input: ['a'] } });
  });

  it('sends 429 with retry-after headers', async () => {
    fake.script([{ type: 'rate-limit', retryAfterMs: 12, retryAfter: 1 }]);
    const err = await client.embeddings.create({ model: 'm', input: ['a'] }).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after-ms')).toBe('12');
    expect(err.headers.get('retry-after')).toBe('1');
  });

  it('keeps embedding-only steps for embeddings and reply steps for chat', async () => {
    fake.script([
      { type: 'wrong-dimensions', dimensions: 2 },
      { type: 'reply', content: 'scripted' },
    ]);
    const chat = await client.chat.completions.create({ model: 'c', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]!.message.content).toBe('scripted');
    const emb = await client.embeddings.create({ model: 'm', input: ['a'], encoding_format: 'float' });
    expect(emb.data[0]!.embedding).toHaveLength(2);
    fake.script([{ type: 'error', status: 500, endpoint: 'chat' }]);
    await client.embeddings.create({ model: 'm', input: ['a'] });
    await expect(client.chat.completions.create({ model: 'c', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 500,
    });
  });

  it('hangs until the client gives up, disconnects, and closes with requests hanging', async () => {
    fake.script([{ type: 'hang' }, { type: 'disconnect' }, { type: 'hang' }]);
    const quick = new OpenAI({ baseURL: fake.url, apiKey: 'k', maxRetries: 0, timeout: 100 });
    await expect(quick.embeddings.create({ model: 'm', input: ['a'] })).rejects.toThrow(/timed out/i);
    await expect(quick.embeddings.create({ model: 'm', input: ['a'] })).rejects.toThrow(/connection error/i);
    const pending = client.embeddings.create({ model: 'm', input: ['a'] }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 50));
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
    fake = await startFakeOpenAI(); // for afterEach
  });
});

describe('fake OpenAI: chat completions', () => {
  it('echoes the last user message, or uses chatReply', async () => {
    const res = await client.chat.completions.create({
      model: 'c',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'echo me' },
      ],
    });
    expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'echo me' });
    expect(res.choices[0]!.finish_reason).toBe('stop');

    const custom = await startFakeOpenAI({ chatReply: (messages) => `${messages.length} messages` });
    const c2 = new OpenAI({ baseURL: custom.url, apiKey: 'k', maxRetries: 0 });
    const r2 = await c2.chat.completions.create({ model: 'c', messages: [{ role: 'user', content: 'x' }] });
    expect(r2.choices[0]!.message.content).toBe('1 messages');
    await custom.close();
  });

  it('streams the reply as SSE chunks ending in [DONE]', async () => {
    fake.script([{ type: 'reply', content: 'one two  three' }]);
    const stream = await client.chat.completions.create({
      model: 'c',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two  three');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });

    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.startsWith('data: {')).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('lists models and answers unknown routes with 404', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['fake-embedding']);
    const res = await fetch(`${fake.url}/nothing`);
    expect(res.status).toBe(404);
  });
});
