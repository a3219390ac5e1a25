// Query rewriting by the chat model (QUERY_REWRITE, off by default), against the fake OpenAI server: the request it
// makes, the rewrite's own full-text list and the hypothetical passage embedded with the query, and the plain search it
// falls back to when the model fails, answers nonsense or takes too long. Whether rewriting helps can only be measured
// with a real model; these tests check the mechanics.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';
import { createCaller } from '../../server/routers/_app';
import { createSearchDeps } from '../../server/runtime/providers';
import type { Embedder } from '../../server/services/embeddings/types';
import { createContextInner } from '../../server/trpc/context';
import { type DocsSite, fixturePage, startDocsSite } from '../fixtures/docs-site';
import { type FakeChatMessage, type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

const TIMEOUT_MS = 500;

let site: DocsSite;
let fake: FakeOpenAI;
let rt: TestRuntime;
/** What the fake model answers to a rewriting request. */
const reply = JSON.stringify({
  query: 'percentile_cont continuous percentile',
  passage: 'percentile_cont(0.5) computes the middle value of the group.',
});
/** The texts the search side embedded, in order. */
const embedded: string[] = [];

beforeAll(async () => {
  site = await startDocsSite();
  fake = await startFakeOpenAI({ chatReply: () => reply });
  site.setPage(
    '/stats/',
    fixturePage(
      'Statistics',
      '<h1>Statistics functions</h1><p>See <a href="/stats/percentile">percentiles</a> and <a href="/stats/avg">averages</a>.</p>',
    ),
  );
  site.setPage(
    '/stats/percentile',
    fixturePage(
      'Percentiles',
      '<h1>percentile_cont</h1><p><code>percentile_cont</code> computes a continuous percentile: the value below which a given fraction of the ordered input falls, interpolating between adjacent input items if needed.</p>',
    ),
  );
  site.setPage(
    '/stats/avg',
    fixturePage('Averages', '<h1>avg</h1><p><code>avg</code> computes the arithmetic mean of all the non-null input values.</p>'),
  );
  // The runtime itself has no chat model, so the crawl sends nothing to the fake; searches that rewrite go through rewriting().
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
  const job = await rt.caller.knowledge.crawl({ url: `${site.url}/stats/`, mode: 'recursive', maxDepth: 2 });
  expect(await jobSettled(rt, job.id, 60_000)).toMatchObject({ status: 'completed', pagesFailed: 0 });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await Promise.all([site?.close(), fake?.close()]);
});

const CHAT = { CHAT_BASE_URL: '', CHAT_MODEL: 'rewriter', QUERY_REWRITE_TIMEOUT_MS: String(TIMEOUT_MS) };

/** A caller whose search has the chat model configured as given (QUERY_REWRITE included), over the test runtime's data. */
function rewriting(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', ARCHON_DATA_DIR: 'memory', EMBEDDING_DIMENSIONS: '256', ...CHAT, CHAT_BASE_URL: fake.url, ...env });
  const embedder: Embedder = {
    model: rt.ingest.embedder.model,
    dimensions: rt.ingest.embedder.dimensions,
    embed: (texts, opts) => {
      embedded.push(...texts);
      return rt.ingest.embedder.embed(texts, opts);
    },
  };
  const search = createSearchDeps(config, { ...rt.ingest, embedder });
  return { search, caller: createCaller(createContextInner({ runtime: { ...rt, config, search } })) };
}

const rewriteRequests = () =>
  fake.requests.filter(
    (r) => r.path === '/v1/chat/completions' && String((r.body.messages as FakeChatMessage[])[0]?.content).includes('search engine'),
  );

type Caller = ReturnType<typeof rewriting>['caller'];
async function chunks(caller: Caller, input: Parameters<Caller['knowledge']['search']>[0]) {
  const res = await caller.knowledge.search({ ...input, returnMode: 'chunks' });
  return res as Extract<typeof res, { returnMode: 'chunks' }>;
}
const urls = (res: { results: { pageUrl: string }[] }) => res.results.map((h) => h.pageUrl.replace(site.url, ''));

describe('query rewriting (QUERY_REWRITE)', () => {
  it('is off by default: no rewriter, and a search sends nothing to the chat model', async () => {
    const { search, caller } = rewriting({ QUERY_REWRITE: '' });
    expect(search.queryRewriter).toBeNull();
    const before = fake.requests.length;
    const res = await chunks(caller, { query: 'median of the salaries', limit: 5 });
    expect(fake.requests.length).toBe(before);
    expect(res.rewritten).toBeUndefined();
    expect(res.warnings).toEqual([]);
  });

  it('without a chat model, turning it on is a configuration error', () => {
    const config = loadConfig({ NODE_ENV: 'test', QUERY_REWRITE: 'both' });
    expect(() => createSearchDeps(config, rt.ingest)).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', QUERY_REWRITE: 'sometimes' })).toThrow(/QUERY_REWRITE/);
  });

  it('asks the chat model once, with the query and the sources it may find it in, and searches the rewrite too', async () => {
    const { caller } = rewriting({ QUERY_REWRITE: 'rewrite' });
    // Without rewriting, the manual's word is missing: nothing says "median".
    expect((await chunks(rt.caller, { query: 'median', mode: 'fulltext', limit: 5 })).results).toEqual([]);

    const before = rewriteRequests().length;
    const res = await chunks(caller, { query: 'median', mode: 'fulltext', limit: 5 });
    expect(rewriteRequests().length).toBe(before + 1);
    const request = rewriteRequests().at(-1)!;
    expect(request.body).toMatchObject({ model: 'rewriter', temperature: 0, response_format: { type: 'json_object' } });
    const [system, user] = request.body.messages as FakeChatMessage[];
    expect(system).toMatchObject({ role: 'system', content: expect.stringContaining('{"query": "…"}') });
    expect(String(system!.content)).not.toContain('passage');
    expect(user).toMatchObject({ role: 'user', content: expect.stringMatching(/The knowledge base holds: .*Statistics.*\n\nSearch: median$/s) });

    expect(res.rewritten).toEqual({ query: 'percentile_cont continuous percentile', passage: null });
    expect(res.warnings).toEqual([]);
    expect(urls(res)[0]).toBe('/stats/percentile');
    expect(res.results[0]!.score).toMatchObject({ textRank: null, rewriteRank: 1 });

    // A repeated query is answered from the rewrites kept, without asking again.
    const again = await chunks(caller, { query: 'median', mode: 'fulltext', limit: 5 });
    expect(rewriteRequests().length).toBe(before + 1);
    expect(urls(again)).toEqual(urls(res));
  });

  it('hyde: the hypothetical passage is embedded with the query for the vector side, and full text stays as it was', async () => {
    const { caller } = rewriting({ QUERY_REWRITE: 'hyde' });
    const plain = await chunks(rt.caller, { query: 'middle value of a group', mode: 'hybrid', limit: 5 });
    const before = rewriteRequests().length;
    embedded.length = 0;
    const res = await chunks(caller, { query: 'middle value of a group', mode: 'hybrid', limit: 5 });
    expect(rewriteRequests().length).toBe(before + 1);
    expect(String((rewriteRequests().at(-1)!.body.messages as FakeChatMessage[])[0]!.content)).toContain('{"passage": "…"}');
    expect(embedded).toEqual(['middle value of a group\n\npercentile_cont(0.5) computes the middle value of the group.']);
    expect(res.rewritten).toEqual({ query: null, passage: 'percentile_cont(0.5) computes the middle value of the group.' });
    expect(res.results.every((h) => h.score.rewriteRank === undefined)).toBe(true);
    // The text side ranks as without rewriting.
    const textRanks = (r: typeof res) => r.results.filter((h) => h.score.textRank !== null).map((h) => [h.chunkId, h.score.textRank]);
    expect(textRanks(res)).toEqual(textRanks(plain));

    // Full-text searches have no use for a passage: nothing is asked.
    await chunks(caller, { query: 'middle value of a group', mode: 'fulltext', limit: 5 });
    expect(rewriteRequests().length).toBe(before + 1);
  });

  it('both: one request gives the rewrite and the passage', async () => {
    const { caller } = rewriting({ QUERY_REWRITE: 'both' });
    embedded.length = 0;
    const res = await chunks(caller, { query: 'median salary', mode: 'hybrid', limit: 5 });
    expect(String((rewriteRequests().at(-1)!.body.messages as FakeChatMessage[])[0]!.content)).toContain('{"query": "…", "passage": "…"}');
    expect(res.rewritten).toEqual({ query: 'percentile_cont continuous percentile', passage: expect.stringContaining('percentile_cont(0.5)') });
    expect(embedded).toEqual([expect.stringMatching(/^median salary\n\npercentile_cont/)]);
    expect(urls(res)[0]).toBe('/stats/percentile');
  });

  it('a query that is one identifier is searched as it is, without asking', async () => {
    const { caller } = rewriting({ QUERY_REWRITE: 'both' });
    const before = rewriteRequests().length;
    const res = await chunks(caller, { query: 'percentile_cont', limit: 5 });
    expect(rewriteRequests().length).toBe(before);
    expect(res.rewritten).toBeUndefined();
    expect(urls(res)[0]).toBe('/stats/percentile');
  });

  describe('falls back to the plain search, with a warning', () => {
    const QUERY = 'arithmetic mean of values';
    const plainUrls = async () => urls(await chunks(rt.caller, { query: QUERY, limit: 5 }));

    it('when the model answers with an error (not retried)', async () => {
      const { caller } = rewriting({ QUERY_REWRITE: 'both' });
      const before = rewriteRequests().length;
      fake.script([{ type: 'error', status: 500, endpoint: 'chat' }]);
      const res = await chunks(caller, { query: QUERY, limit: 5 });
      expect(rewriteRequests().length).toBe(before + 1);
      expect(res.warnings).toEqual([expect.stringMatching(/^query rewriting skipped: /)]);
      expect(res.rewritten).toBeUndefined();
      expect(urls(res)).toEqual(await plainUrls());
      expect(res.results.every((h) => h.score.rewriteRank === undefined)).toBe(true);
    });

    it('when it does not answer in time', async () => {
      const { caller } = rewriting({ QUERY_REWRITE: 'both' });
      fake.script([{ type: 'hang', endpoint: 'chat' }]);
      const t0 = performance.now();
      const res = await chunks(caller, { query: QUERY, limit: 5 });
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(TIMEOUT_MS + 2500);
      expect(res.warnings).toEqual([`query rewriting skipped: no answer from the chat model within ${TIMEOUT_MS} ms`]);
      expect(urls(res)).toEqual(await plainUrls());
    });

    it('when its answer is not JSON, or has nothing usable, and does not keep that answer', async () => {
      const { caller } = rewriting({ QUERY_REWRITE: 'rewrite' });
      for (const [content, warning] of [
        ['The median is percentile_cont.', /did not reply with JSON/],
        ['{"query": ""}', /no usable rewrite/],
        ['{"passage": "only a passage"}', /no usable rewrite/],
      ] as const) {
        fake.script([{ type: 'reply', content }]);
        const res = await chunks(caller, { query: QUERY, mode: 'fulltext', limit: 5 });
        expect(res.warnings).toEqual([expect.stringMatching(warning)]);
        expect(res.rewritten).toBeUndefined();
      }
      // Failures are not kept: the next search asks again, and gets the rewrite.
      const before = rewriteRequests().length;
      const res = await chunks(caller, { query: QUERY, mode: 'fulltext', limit: 5 });
      expect(rewriteRequests().length).toBe(before + 1);
      expect(res.rewritten?.query).toBe('percentile_cont continuous percentile');
    });
  });
});
