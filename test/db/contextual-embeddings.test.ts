import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks } from '../../db/schema';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

type Fake = Awaited<ReturnType<typeof startFakeOpenAI>>;
let site: DocsSite;
let fake: Fake;
let rt: TestRuntime;

beforeAll(async () => {
  site = await startDocsSite();
  // The "chat model" situates each chunk with a line naming a word found nowhere in the pages.
  fake = await startFakeOpenAI({
    chatReply: (messages) => {
      const count = (String(messages.at(-1)?.content ?? '').match(/^CHUNK \d+:/gm) ?? []).length;
      return JSON.stringify({ contexts: Array.from({ length: count }, (_, i) => `Part ${i} of the quuxification guide.`) });
    },
  });
  rt = await createTestRuntime({
    runner: true,
    env: {
      CRAWL_ALLOWED_HOSTS: site.host,
      EMBEDDING_DIMENSIONS: '64',
      CONTEXTUAL_EMBEDDINGS: 'true',
      CHAT_BASE_URL: fake.url,
      CHAT_MODEL: 'situator',
    },
  });
});
afterAll(async () => {
  await rt?.close();
  await fake?.close();
  await site?.close();
});

describe('contextual embeddings', () => {
  it('stores the chat model line apart from the chunk, and makes it searchable', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/a`, mode: 'single' });
    await waitFor(async () => (await rt.caller.jobs.get({ id: job.id })).status === 'completed', 20_000, 'crawl');
    const rows = await rt.database.db.select().from(chunks).where(eq(chunks.sourceId, job.sourceId!));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.context?.startsWith('Part ') && r.context.includes('quuxification'))).toBe(true);
    expect(rows.every((r) => !r.content.includes('quuxification'))).toBe(true);
    expect(fake.requests.some((r) => r.path.endsWith('/chat/completions'))).toBe(true);
    const found = await rt.caller.knowledge.search({ query: 'quuxification', mode: 'fulltext' });
    expect(found.results.length).toBeGreaterThan(0);
  });

  it('refuses to start without a chat model', async () => {
    await expect(createTestRuntime({ env: { CONTEXTUAL_EMBEDDINGS: 'true' } })).rejects.toThrow(/CONTEXTUAL_EMBEDDINGS: needs CHAT_MODEL/);
  });
});
