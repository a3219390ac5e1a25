import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../server/logger';
import {
  CODE_SUMMARY_CHARS,
  createOpenAISummarizer,
  createSummarizer,
  NAME_CHARS,
  type OpenAISummarizerOptions,
  SOURCE_SUMMARY_CHARS,
} from '../../server/services/ingest/summarizer';
import { type FakeChatMessage, type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';

const userText = (messages: FakeChatMessage[]) => String(messages.find((m) => m.role === 'user')?.content ?? '');

/** A well-behaved model: one named entry per "EXAMPLE id N" in the prompt, or a source summary. */
function modelReply(messages: FakeChatMessage[]): string {
  const text = userText(messages);
  const ids = [...text.matchAll(/EXAMPLE id (\d+)/g)].map((m) => Number(m[1]));
  if (ids.length === 0) return JSON.stringify({ summary: `About ${text.split('\n')[0]}.` });
  const code = text.split(/EXAMPLE id \d+/).slice(1);
  return JSON.stringify({ examples: ids.map((id, i) => ({ id, name: `Name ${code[i]!.match(/CODE-(\w+)/)?.[1]}`, summary: `Does ${id}.` })) });
}

const example = (tag: string) => ({ code: `print("CODE-${tag}")`, language: 'python', context: `Section: ${tag} section` });

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI({ chatReply: modelReply });
});
afterEach(async () => {
  await fake.close();
});

const make = (o: Partial<OpenAISummarizerOptions> = {}) =>
  createOpenAISummarizer({ baseURL: fake.url, apiKey: 'sk-test', model: 'chat-test', concurrency: 2, timeoutMs: 5_000, maxRetries: 2, ...o });

function recordingLogger() {
  const warnings: { msg: string; extra?: Record<string, unknown> }[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (msg, extra) => void warnings.push({ msg, extra }) };
  return { logger, warnings };
}

describe('summarizeCode', () => {
  it('asks for JSON and maps the answers back to the examples by id, across several requests', async () => {
    const tags = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const out = await make({ examplesPerCall: 3 }).summarizeCode(tags.map(example));
    expect(out).toEqual(tags.map((t, i) => ({ name: `Name ${t}`, summary: `Does ${i % 3}.` })));
    expect(fake.requests).toHaveLength(3);
    const body = fake.requests[0]!.body;
    expect(body).toMatchObject({ model: 'chat-test', response_format: { type: 'json_object' } });
    expect(body.messages[0].content).toMatch(/JSON only/);
    expect(userText(body.messages)).toContain('EXAMPLE id 0 (language: python)\nSection: a section\nCode:\nprint("CODE-a")');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('accepts JSON wrapped in a Markdown fence', async () => {
    fake.script([{ type: 'reply', content: '```json\n{"examples": [{"id": 0, "name": "Print a tag", "summary": "Prints it."}]}\n```' }]);
    expect(await make().summarizeCode([example('a')])).toEqual([{ name: 'Print a tag', summary: 'Prints it.' }]);
  });

  it('bounds names and summaries', async () => {
    const name = 'Arrange '.repeat(30);
    const summary = 'This sentence describes the example at some length. '.repeat(20);
    fake.script([{ type: 'reply', content: JSON.stringify({ examples: [{ id: 0, name: `"${name}"`, summary }] }) }]);
    const [got] = await make().summarizeCode([example('a')]);
    expect(got!.name.length).toBeLessThanOrEqual(NAME_CHARS);
    expect(got!.name.startsWith('Arrange Arrange')).toBe(true);
    expect(got!.summary.length).toBeLessThanOrEqual(CODE_SUMMARY_CHARS);
    expect(got!.summary.endsWith('length.')).toBe(true);
  });

  it('gives null for every example when the reply is not JSON, and for entries that do not validate', async () => {
    fake.script([{ type: 'reply', content: 'Sure! Here are the names you asked for.' }]);
    expect(await make().summarizeCode([example('a'), example('b')])).toEqual([null, null]);
    fake.script([
      {
        type: 'reply',
        content: JSON.stringify({
          examples: [
            { id: 0, name: '', summary: 'x' },
            { id: 1, name: 'Print b', summary: 'Prints b.' },
            { id: 7, name: 'Stray', summary: 'y' },
          ],
        }),
      },
    ]);
    expect(await make().summarizeCode([example('a'), example('b')])).toEqual([null, { name: 'Print b', summary: 'Prints b.' }]);
    fake.script([{ type: 'reply', content: JSON.stringify({ names: ['a'] }) }]);
    expect(await make().summarizeCode([example('a')])).toEqual([null]);
  });

  it('retries 500s and 429s, honouring retry-after', async () => {
    fake.script([
      { type: 'error', status: 500 },
      { type: 'rate-limit', retryAfterMs: 20 },
    ]);
    const out = await make().summarizeCode([example('a')]);
    expect(out).toEqual([{ name: 'Name a', summary: 'Does 0.' }]);
    expect(fake.requests.map((r) => r.step)).toEqual(['error', 'rate-limit', 'ok']);
  });

  it('gives up after the retries: nulls for that request only, and one warning', async () => {
    const { logger, warnings } = recordingLogger();
    fake.script([{ type: 'error', status: 503, times: 2 }]);
    const out = await make({ maxRetries: 1, examplesPerCall: 1, concurrency: 1, logger }).summarizeCode([example('a'), example('b')]);
    expect(out).toEqual([null, { name: 'Name b', summary: 'Does 0.' }]);
    expect(fake.requests).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.extra).toMatchObject({ model: 'chat-test', requests: 2, failedRequests: 1 });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    fake.script([{ type: 'delay', ms: 40, times: 8 }]);
    const out = await make({ examplesPerCall: 1, concurrency: 3 }).summarizeCode(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(example));
    expect(out.every(Boolean)).toBe(true);
    expect(fake.requests).toHaveLength(8);
    expect(fake.maxInFlight).toBe(3);
  });

  it('makes no request for no examples', async () => {
    expect(await make().summarizeCode([])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('summarizeSource', () => {
  it('returns the model summary, bounded', async () => {
    expect(await make().summarizeSource('Frob docs', 'The frobnicator arranges widgets.')).toBe('About Title: Frob docs.');
    const body = fake.requests[0]!.body;
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(userText(body.messages)).toContain('The frobnicator arranges widgets.');
    fake.script([{ type: 'reply', content: JSON.stringify({ summary: 'Frob arranges widgets by weight. '.repeat(40) }) }]);
    const long = await make().summarizeSource('Frob docs', 'text');
    expect(long!.length).toBeLessThanOrEqual(SOURCE_SUMMARY_CHARS);
    expect(long!.endsWith('weight.')).toBe(true);
  });

  it('returns null on bad JSON or a failed request, and warns for the failure', async () => {
    const { logger, warnings } = recordingLogger();
    fake.script([{ type: 'reply', content: '{"summary": ' }]);
    expect(await make({ logger }).summarizeSource('Frob docs', 'text')).toBeNull();
    fake.script([{ type: 'error', status: 401 }]);
    expect(await make({ logger }).summarizeSource('Frob docs', 'text')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.extra).toMatchObject({ title: 'Frob docs' });
  });
});

describe('createSummarizer', () => {
  const base = { CHAT_BASE_URL: undefined, CHAT_API_KEY: undefined, CHAT_MODEL: undefined, CONTEXTUAL_CONCURRENCY: 3 };

  it('is null without a chat model or anywhere to send requests', () => {
    expect(createSummarizer(base)).toBeNull();
    expect(createSummarizer({ ...base, CHAT_BASE_URL: fake.url })).toBeNull();
    expect(createSummarizer({ ...base, CHAT_MODEL: 'm' })).toBeNull();
  });

  it('uses the configured endpoint, or OpenAI when only a key is set', async () => {
    expect(createSummarizer({ ...base, CHAT_MODEL: 'gpt-x', CHAT_API_KEY: 'sk' })?.model).toBe('gpt-x');
    const s = createSummarizer({ ...base, CHAT_MODEL: 'local-chat', CHAT_BASE_URL: fake.url, CHAT_API_KEY: 'k' })!;
    expect(await s.summarizeCode([example('a')])).toEqual([{ name: 'Name a', summary: 'Does 0.' }]);
    expect(fake.requests[0]!.body.model).toBe('local-chat');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer k');
  });
});
