// What the dashboard's Search and Jobs pages ask of the API beyond the plain
// results: matched words to highlight, score parts per page, jobs with their
// source's title and starter's name, the Inngest dashboard link and the server's clock.
import { describe, expect, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import type { Principal } from '../../server/services/auth/principal';
import { inngestDashboard, inngestRunsUrl } from '../../server/services/jobs/inngest-dashboard';
import { createContextInner } from '../../server/trpc/context';
import { corpus, useSearchCorpus } from '../helpers/search-corpus';
import { waitFor } from '../helpers/wait';

useSearchCorpus();

describe('search highlighting', () => {
  it('returns the words full-text search matched, stemmed as the index stems them, only when asked', async () => {
    const query = 'configure the frobnicator';
    const plain = await corpus.rt.caller.knowledge.search({ query, limit: 5 });
    expect(plain).not.toHaveProperty('terms');
    const res = await corpus.rt.caller.knowledge.search({ query, limit: 5, highlight: true });
    if (res.returnMode !== 'chunks') throw new Error('chunks expected');
    expect(res.results.map((r) => r.chunkId)).toEqual(plain.results.map((r) => (r as { chunkId: number }).chunkId));
    // "configuring" (Guide A's title) is the stem of "configure"; stop words never match.
    expect(res.terms).toEqual(expect.arrayContaining(['configuring', 'frobnicator']));
    expect(res.terms).not.toContain('the');
    // Every term occurs in what the results show, and they come longest first, so a highlighter tries "frobnicator" before "frob".
    const shown = res.results
      .flatMap((r) => [r.pageTitle, r.content, ...r.headingPath])
      .join('\n')
      .toLowerCase();
    for (const t of res.terms!) expect(shown).toContain(t);
    expect(res.terms!.map((t) => t.length)).toEqual([...res.terms!.map((t) => t.length)].sort((a, b) => b - a));
  });

  it('keeps a term the parser keeps whole, such as a file name, and covers pages and code', async () => {
    const file = await corpus.rt.caller.knowledge.search({ query: 'frob.toml', mode: 'fulltext', highlight: true });
    expect(file.terms).toContain('frob.toml');
    const pages = await corpus.rt.caller.knowledge.search({ query: 'ledger stages', returnMode: 'pages', highlight: true });
    expect(pages.terms).toEqual(expect.arrayContaining(['ledger']));
    const code = await corpus.rt.caller.knowledge.searchCode({ query: 'frobnicate widgets', highlight: true });
    expect(code.terms).toEqual(expect.arrayContaining(['frobnicate', 'widgets']));
    const none = await corpus.rt.caller.knowledge.search({ query: 'xylophonist', mode: 'fulltext', highlight: true });
    expect(none).toMatchObject({ results: [], terms: [] });
  });

  it('gives each page the score parts of its best chunk', async () => {
    const query = 'ledger records every tray';
    const chunks = await corpus.rt.caller.knowledge.search({ query, limit: 50 });
    const pages = await corpus.rt.caller.knowledge.search({ query, returnMode: 'pages' });
    if (pages.returnMode !== 'pages' || chunks.returnMode !== 'chunks') throw new Error('modes');
    for (const p of pages.results) {
      const best = chunks.results.find((c) => c.chunkId === p.best.chunkId)!;
      expect(p.best.score).toEqual(best.score);
      expect(p.best.score).toMatchObject({ fused: expect.any(Number) });
    }
  });
});

describe('jobs as the dashboard lists them', () => {
  it("carry the source's title and URL and the starter's name, the same in the list and alone", async () => {
    const owner = await setupOwner(corpus.rt.database.db, { email: 'ada@example.com', password: 'the owner pass phrase', name: 'Ada Lovelace' });
    const principal: Principal = { kind: 'session', userId: owner.id, email: owner.email, role: 'owner', capabilities: ['read', 'write', 'admin'] };
    const caller = createCaller(createContextInner({ runtime: corpus.rt, principal }));
    const job = await caller.knowledge.refresh({ id: corpus.src.deep });
    await waitFor(async () => ((await caller.jobs.get({ id: job.id })).finishedAt ? true : null), 30_000, 'refresh');

    const view = await caller.jobs.get({ id: job.id });
    expect(view).toMatchObject({
      id: job.id,
      kind: 'refresh',
      sourceId: corpus.src.deep,
      sourceTitle: expect.stringContaining('Deep dive'),
      sourceUrl: `${corpus.site.url}/docs/c/deep`,
      startedBy: { id: owner.id, name: 'Ada Lovelace', email: 'ada@example.com' },
      inngestRunsUrl: null,
    });
    const listed = await caller.jobs.list({ sourceId: corpus.src.deep, kind: 'refresh' });
    expect(listed.items[0]).toEqual(view);
    // The corpus's crawls were started by the system.
    const crawls = await caller.jobs.list({ kind: 'crawl', limit: 200 });
    expect(crawls.items.length).toBeGreaterThanOrEqual(5);
    expect(crawls.items.every((j) => j.startedBy === null && j.sourceTitle)).toBe(true);
  });
});

describe('the Inngest dashboard link', () => {
  const job = '0b9a6f2e-4a51-4c8e-9f55-3f6f3c4d2e11';
  const runs = (base: string) => `${base}/runs?search=${encodeURIComponent(`event.data.jobId == "${job}"`)}`;

  it('is absent with the local runner', () => {
    expect(inngestDashboard({ INNGEST_BASE_URL: 'http://127.0.0.1:8288' }, 'local')).toBeNull();
    expect(inngestRunsUrl(null, job)).toBeNull();
  });

  it('follows the variables the Inngest SDK reads, in its order', () => {
    const cases: [Record<string, string>, ReturnType<typeof inngestDashboard>][] = [
      [{ INNGEST_DEV: '1' }, { kind: 'dev', url: 'http://localhost:8288' }],
      [{ INNGEST_DEV: 'true' }, { kind: 'dev', url: 'http://localhost:8288' }],
      [{ INNGEST_DEV: 'http://inngest.internal:9000/' }, { kind: 'dev', url: 'http://inngest.internal:9000' }],
      [{ INNGEST_DEV: 'inngest.internal:9000' }, { kind: 'dev', url: 'http://inngest.internal:9000' }],
      [
        { INNGEST_BASE_URL: 'http://127.0.0.1:8288/api', INNGEST_DEV: 'http://ignored:1' },
        { kind: 'dev', url: 'http://127.0.0.1:8288' },
      ],
      [
        { INNGEST_BASE_URL: 'https://inngest.example.com', INNGEST_SIGNING_KEY: 'signkey-prod-abc' },
        { kind: 'self-hosted', url: 'https://inngest.example.com' },
      ],
      [
        { INNGEST_EVENT_KEY: 'k', INNGEST_SIGNING_KEY: 's' },
        { kind: 'cloud', url: 'https://app.inngest.com/env/production' },
      ],
      [
        { INNGEST_SIGNING_KEY: 's', INNGEST_ENV: 'feature/x' },
        { kind: 'cloud', url: 'https://app.inngest.com/env/feature%2Fx' },
      ],
      [
        { INNGEST_DEV: '0', INNGEST_SIGNING_KEY: 's' },
        { kind: 'cloud', url: 'https://app.inngest.com/env/production' },
      ],
    ];
    for (const [env, expected] of cases) expect(inngestDashboard(env, 'inngest'), JSON.stringify(env)).toEqual(expected);
    // A value that is no http(s) URL is ignored rather than linked.
    expect(inngestDashboard({ INNGEST_BASE_URL: 'javascript:alert(1)', INNGEST_DEV: '1' }, 'inngest')).toEqual({
      kind: 'dev',
      url: 'http://localhost:8288',
    });
  });

  it("links to the job's runs, filtered on its id", () => {
    expect(inngestRunsUrl({ kind: 'dev', url: 'http://localhost:8288' }, job)).toBe(runs('http://localhost:8288'));
    expect(inngestRunsUrl({ kind: 'cloud', url: 'https://app.inngest.com/env/production' }, job)).toBe(
      runs('https://app.inngest.com/env/production'),
    );
  });
});

describe('system.info', () => {
  it("says which executor runs jobs and gives the server's clock", async () => {
    const before = Date.now();
    const info = await corpus.rt.caller.system.info();
    expect(info).toMatchObject({ version: 'test', runner: 'local', inngest: null });
    expect(info.serverTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(info.serverTime.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
