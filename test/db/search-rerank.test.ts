import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { createCaller } from '../../server/routers/_app';
import { createSearchDeps } from '../../server/runtime/providers';
import type { PageHit } from '../../server/services/search/group-pages';
import { createContextInner } from '../../server/trpc/context';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { type FakeChatMessage, type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/** Passages the reranker was shown, as `[i] text` lines in the user message. */
const passageCount = (messages: FakeChatMessage[]) => {
  const user = [...messages].reverse().find((m) => m.role === 'user');
  return (String(user?.content ?? '').match(/^\[\d+\] /gm) ?? []).length;
};

/** A /rerank endpoint in the Cohere/Jina/TEI style, for RERANK_PROVIDER=endpoint. */
type RerankBody = { model: string; query: string; documents: string[]; top_n: number };
async function startRerankServer() {
  const requests: { path: string; method: string; authorization?: string; body: RerankBody }[] = [];
  let answer: (body: RerankBody) => { status: number; body: unknown } = (body) => ({
    status: 200,
    // Later documents are more relevant: the fused order reversed. Sorted best first, as Cohere does.
    body: { results: body.documents.map((_, index) => ({ index, relevance_score: index / body.documents.length })).reverse() },
  });
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || 'null') as RerankBody;
    requests.push({ path: req.url ?? '', method: req.method ?? '', authorization: req.headers.authorization, body });
    const out = req.method === 'POST' && req.url === '/rerank' ? answer(body) : { status: 404, body: { error: 'no route' } };
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer(fn: typeof answer) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let site: DocsSite;
let fake: FakeOpenAI;
let rerankServer: Awaited<ReturnType<typeof startRerankServer>>;
let rt: TestRuntime;
/** What the fake chat model replies; by default scores 0, 1, 2, … (the fused order reversed). */
let chatScores: (n: number) => unknown = (n) => Array.from({ length: n }, (_, i) => i);

const CANDIDATES = 4;
const QUERY = 'widgets frobnicator';

beforeAll(async () => {
  site = await startDocsSite();
  fake = await startFakeOpenAI({ chatReply: (messages) => JSON.stringify({ scores: chatScores(passageCount(messages)) }) });
  rerankServer = await startRerankServer();
  rt = await createTestRuntime({
    runner: true,
    env: {
      CRAWL_ALLOWED_HOSTS: site.host,
      EMBEDDING_DIMENSIONS: '256',
      RERANK_PROVIDER: 'chat',
      RERANK_BASE_URL: fake.url,
      RERANK_MODEL: 'judge',
      RERANK_CANDIDATES: String(CANDIDATES),
    },
  });
  const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
  const done = await waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    'the crawl',
  );
  expect(done.status).toBe('completed');
  // More hits than rerank candidates, so the tests below can tell the candidate pool from the whole list.
  const all = await rt.caller.knowledge.search({ query: QUERY, limit: 50, rerank: false });
  expect(all.results.length).toBeGreaterThan(CANDIDATES);
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await Promise.all([site?.close(), fake?.close(), rerankServer?.close()]);
});

const chatRequests = () => fake.requests.filter((r) => r.path === '/v1/chat/completions');

async function search(caller: TestRuntime['caller'], input: Parameters<TestRuntime['caller']['knowledge']['search']>[0]) {
  const res = await caller.knowledge.search(input);
  return res as Extract<typeof res, { returnMode: 'chunks' }>;
}

/** The fused order of the first `n` candidates, without reranking. */
async function fusedOrder(n = CANDIDATES) {
  const res = await search(rt.caller, { query: QUERY, limit: n, rerank: false });
  expect(res.results).toHaveLength(n);
  return res.results;
}

describe('reranking with a chat model (RERANK_PROVIDER=chat)', () => {
  it('reorders the fused candidates by the scores the model gives', async () => {
    const fused = await fusedOrder();
    const before = chatRequests().length;
    const res = await search(rt.caller, { query: QUERY, limit: 3 });
    expect(chatRequests().length).toBe(before + 1);
    expect(res.reranked).toBe(true);
    expect(res.warnings).toEqual([]);
    // The model saw the top CANDIDATES fused hits and scored them 0…3: the best three come back reversed.
    expect(res.results.map((h) => h.chunkId)).toEqual(
      fused
        .slice()
        .reverse()
        .slice(0, 3)
        .map((h) => h.chunkId),
    );
    expect(res.results.map((h) => h.score.rerank)).toEqual([3, 2, 1]);
    for (const h of res.results) expect(h.score.fused).toBe(fused.find((f) => f.chunkId === h.chunkId)!.score.fused);

    const request = chatRequests().at(-1)!;
    expect(request.body.model).toBe('judge');
    const user = (request.body.messages as FakeChatMessage[]).find((m) => m.role === 'user')!;
    expect(String(user.content)).toContain(`Query: ${QUERY}`);
    expect(passageCount(request.body.messages)).toBe(CANDIDATES);
  });

  it('rerank: false skips the model and keeps the fused order', async () => {
    const fused = await fusedOrder(3);
    const before = chatRequests().length;
    const res = await search(rt.caller, { query: QUERY, limit: 3, rerank: false });
    expect(chatRequests().length).toBe(before);
    expect(res.reranked).toBe(false);
    expect(res.results.map((h) => h.chunkId)).toEqual(fused.map((h) => h.chunkId));
    expect(res.results.every((h) => h.score.rerank === undefined)).toBe(true);
  });

  it('a reply that is not JSON leaves the fused order, with a warning', async () => {
    const fused = await fusedOrder(3);
    fake.script([{ type: 'reply', content: 'Passage 2 looks best to me.' }]);
    const res = await search(rt.caller, { query: QUERY, limit: 3 });
    expect(res.reranked).toBe(false);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toMatch(/^reranking skipped/);
    expect(res.results.map((h) => h.chunkId)).toEqual(fused.map((h) => h.chunkId));
    expect(res.results.every((h) => h.score.rerank === undefined)).toBe(true);
  });

  it('scores of the wrong length, or a failing server, also leave the fused order with a warning', async () => {
    const fused = await fusedOrder(3);
    fake.script([{ type: 'reply', content: '{"scores": [10, 0]}' }]);
    const short = await search(rt.caller, { query: QUERY, limit: 3 });
    expect(short).toMatchObject({ reranked: false, warnings: [expect.stringMatching(/reranking skipped: .*no usable scores/)] });
    expect(short.results.map((h) => h.chunkId)).toEqual(fused.map((h) => h.chunkId));

    const before = chatRequests().length;
    fake.script([{ type: 'error', status: 500, endpoint: 'chat', times: 2 }]);
    const failed = await search(rt.caller, { query: QUERY, limit: 3 });
    expect(chatRequests().length - before).toBe(2); // one retry, then give up
    expect(failed).toMatchObject({ reranked: false, warnings: [expect.stringMatching(/^reranking skipped/)] });
    expect(failed.results.map((h) => h.chunkId)).toEqual(fused.map((h) => h.chunkId));
  });

  it('non-numeric scores sink to the bottom, ties keep the fused order', async () => {
    const fused = await fusedOrder();
    chatScores = (n) => Array.from({ length: n }, (_, i) => (i === 2 ? 9 : i === 0 ? 'high' : 1));
    try {
      const res = await search(rt.caller, { query: QUERY, limit: CANDIDATES });
      expect(res.reranked).toBe(true);
      const ids = fused.map((h) => h.chunkId);
      expect(res.results.map((h) => h.chunkId)).toEqual([ids[2], ids[1], ids[3], ids[0]]);
      expect(res.results.at(-1)!.score.rerank).toBe(-Infinity);
    } finally {
      chatScores = (n) => Array.from({ length: n }, (_, i) => i);
    }
  });

  it("pages mode reranks the whole pool; a page scores its best chunk's rerank score", async () => {
    const all = (await search(rt.caller, { query: QUERY, limit: 50, rerank: false })).results;
    expect(all.length).toBeLessThan(50); // every candidate
    const res = await rt.caller.knowledge.search({ query: QUERY, returnMode: 'pages', limit: 10 });
    expect(res.reranked).toBe(true);
    expect(passageCount(chatRequests().at(-1)!.body.messages)).toBe(all.length);
    const pages = res.results as PageHit[];
    // The model scored the hits 0…n-1 in fused order: the last fused hit's page comes first.
    const last = all.at(-1)!;
    expect(pages[0]!.pageId).toBe(last.pageId);
    expect(pages[0]!.best.chunkId).toBe(last.chunkId);
    const matches = pages[0]!.chunkMatches;
    expect(pages[0]!.score).toBeCloseTo((all.length - 1) * (1 + Math.min(0.2, 0.05 * (matches - 1))), 9);
    expect(new Set(pages.map((p) => p.pageId)).size).toBe(pages.length);
    for (const [i, p] of pages.entries()) if (i > 0) expect(p.score).toBeLessThanOrEqual(pages[i - 1]!.score);
  });
});

describe('reranking with a /rerank endpoint (RERANK_PROVIDER=endpoint)', () => {
  const endpointCaller = (extra: Record<string, string> = {}) => {
    const config = loadConfig({
      NODE_ENV: 'test',
      ARCHON_DATA_DIR: 'memory',
      EMBEDDING_DIMENSIONS: '256',
      RERANK_PROVIDER: 'endpoint',
      RERANK_BASE_URL: `${rerankServer.url}/`,
      RERANK_MODEL: 'bge-reranker',
      RERANK_API_KEY: 'secret-key',
      RERANK_CANDIDATES: String(CANDIDATES),
      ...extra,
    });
    return createCaller(createContextInner({ runtime: { ...rt, config, search: createSearchDeps(config, rt.ingest) } }));
  };

  it('reorders by relevance_score and sends the documented request', async () => {
    const fused = await fusedOrder();
    const before = rerankServer.requests.length;
    const res = await search(endpointCaller(), { query: QUERY, limit: 3 });
    expect(rerankServer.requests.length).toBe(before + 1);
    expect(res).toMatchObject({ reranked: true, warnings: [] });
    expect(res.results.map((h) => h.chunkId)).toEqual(
      fused
        .slice()
        .reverse()
        .slice(0, 3)
        .map((h) => h.chunkId),
    );
    expect(res.results.map((h) => h.score.rerank)).toEqual([3 / 4, 2 / 4, 1 / 4]);

    const request = rerankServer.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/rerank', authorization: 'Bearer secret-key' });
    expect(request.body).toMatchObject({ model: 'bge-reranker', query: QUERY, top_n: CANDIDATES });
    expect(request.body.documents).toEqual(fused.map((h) => h.content));
  });

  it('documents the endpoint leaves out sink below the scored ones', async () => {
    const fused = await fusedOrder();
    rerankServer.answer(() => ({
      status: 200,
      body: {
        results: [
          { index: 3, relevance_score: 0.2 },
          { index: 1, score: 0.9 },
          { index: 99, relevance_score: 1 },
          { index: -1, relevance_score: 1 },
        ],
      },
    }));
    try {
      const res = await search(endpointCaller(), { query: QUERY, limit: CANDIDATES });
      expect(res.reranked).toBe(true);
      const ids = fused.map((h) => h.chunkId);
      expect(res.results.map((h) => h.chunkId)).toEqual([ids[1], ids[3], ids[0], ids[2]]);
    } finally {
      rerankServer.answer((body) => ({
        status: 200,
        body: { results: body.documents.map((_, index) => ({ index, relevance_score: index / body.documents.length })).reverse() },
      }));
    }
  });

  it('an HTTP error leaves the fused order, with a warning naming the status', async () => {
    const fused = await fusedOrder(3);
    const previous = rerankServer.requests.length;
    const caller = endpointCaller();
    rerankServer.answer(() => ({ status: 503, body: { error: 'overloaded' } }));
    try {
      const res = await search(caller, { query: QUERY, limit: 3 });
      expect(rerankServer.requests.length).toBe(previous + 1);
      expect(res).toMatchObject({ reranked: false, warnings: [expect.stringMatching(/reranking skipped: .*HTTP 503/)] });
      expect(res.results.map((h) => h.chunkId)).toEqual(fused.map((h) => h.chunkId));
    } finally {
      rerankServer.answer((body) => ({
        status: 200,
        body: { results: body.documents.map((_, index) => ({ index, relevance_score: index / body.documents.length })).reverse() },
      }));
    }
  });

  it('no reranker without a model; a single hit is not sent to the reranker', async () => {
    const config = loadConfig({ NODE_ENV: 'test', RERANK_PROVIDER: 'endpoint', RERANK_BASE_URL: rerankServer.url });
    expect(createSearchDeps(config, rt.ingest).reranker).toBeNull();
    const before = rerankServer.requests.length;
    const res = await search(endpointCaller(), { query: 'licence', mode: 'fulltext', limit: 5 });
    expect(res.results.map((h) => h.url.replace(site.url, ''))).toEqual(['/docs/legal']);
    expect(res.reranked).toBe(false);
    expect(rerankServer.requests.length).toBe(before);
  });
});
