import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { capRetryAfter, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../server/services/embeddings/cap-retry-after';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';

const headers = (h: Record<string, string>) => new Headers(h);
const answer = (status: number, h: Record<string, string>) => async () => new Response('{"error":{"message":"x"}}', { status, headers: h });

describe('retryAfterMs', () => {
  it('reads the headers the way the openai SDK does', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs(headers({}))).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': 'Tue, 01 Jan 2030 00:01:00 GMT' }), now)).toBe(60_000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '0' }))).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after-ms': '0', 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeNull();
  });
});

describe('capRetryAfter', () => {
  it('shortens a long wait to the cap and leaves short waits and successes alone', async () => {
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
    const long = await capRetryAfter(answer(429, { 'retry-after': '86400', 'x-request-id': 'r1' }))('http://x');
    expect(long.status).toBe(429);
    expect(long.headers.get('retry-after-ms')).toBe('60000');
    expect(long.headers.get('retry-after')).toBeNull();
    expect(long.headers.get('x-request-id')).toBe('r1');
    expect(await long.json()).toEqual({ error: { message: 'x' } });

    const longMs = await capRetryAfter(answer(503, { 'retry-after-ms': '90000' }), 1000)('http://x');
    expect(longMs.headers.get('retry-after-ms')).toBe('1000');

    const short = await capRetryAfter(answer(429, { 'retry-after': '5' }))('http://x');
    expect(short.headers.get('retry-after')).toBe('5');
    expect(short.headers.get('retry-after-ms')).toBeNull();

    const ok = await capRetryAfter(answer(200, { 'retry-after': '86400' }))('http://x');
    expect(ok.headers.get('retry-after')).toBe('86400');
  });

  describe('with the SDK', () => {
    let fake: FakeOpenAI;
    afterEach(() => fake.close());

    it('makes the SDK wait the capped time, not what the server asked', async () => {
      fake = await startFakeOpenAI({ dimensions: 4 });
      fake.script([{ type: 'rate-limit', retryAfter: 3600 }]);
      const client = new OpenAI({ baseURL: fake.url, apiKey: 'k', maxRetries: 1, fetch: capRetryAfter(fetch, 30) });
      const started = performance.now();
      const res = await client.embeddings.create({ model: 'm', input: ['x'] });
      expect(res.data).toHaveLength(1);
      expect(fake.requests).toHaveLength(2);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });
});
