import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, crawlUrls, pages } from '../../db/schema';
import { type DocsSite, fixturePage, startDocsSite, type Validators } from '../fixtures/docs-site';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { jobLogText } from '../helpers/job-stream';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/**
 * Refreshing a crawled source against a site whose pages change between runs:
 * modified, unchanged, removed (404) and no-longer-linked pages, with ETags,
 * with Last-Modified dates and with neither. Embedding calls are counted at a
 * fake OpenAI-compatible provider.
 */
let rt: TestRuntime;
let fake: FakeOpenAI;
const sites: Partial<Record<Validators, DocsSite>> = {};

beforeAll(async () => {
  for (const v of ['etag', 'last-modified', 'none'] as const) sites[v] = await startDocsSite({ validators: v });
  fake = await startFakeOpenAI({ dimensions: 1536 });
  rt = await createTestRuntime({
    runner: true,
    poolMax: 8,
    env: {
      CRAWL_ALLOWED_HOSTS: Object.values(sites)
        .map((s) => s!.host)
        .join(','),
      EMBEDDING_BASE_URL: fake.url,
      EMBEDDING_API_KEY: 'test',
      EMBEDDING_MODEL: 'text-embedding-3-small',
      EMBEDDING_DIMENSIONS: '64',
    },
  });
});
afterAll(async () => {
  await rt?.close();
  await fake?.close();
  for (const site of Object.values(sites)) await site?.close();
});

async function finished(jobId: string) {
  return waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: jobId });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${jobId}`,
  );
}

/** Runs a job and returns it with every text sent to the embedding provider meanwhile. */
async function embeddedDuring(start: () => Promise<{ id: string }>) {
  const from = fake.requests.length;
  const job = await finished((await start()).id);
  const inputs = fake.requests
    .slice(from)
    .filter((r) => r.path === '/v1/embeddings')
    .flatMap((r) => (Array.isArray(r.body.input) ? r.body.input : [r.body.input]) as string[]);
  return { job, inputs };
}

const pagesOf = async (sourceId: string) =>
  new Map((await rt.database.db.select().from(pages).where(eq(pages.sourceId, sourceId))).map((p) => [new URL(p.url).pathname, p]));

const reasons = async (jobId: string) =>
  new Map((await rt.database.db.select().from(crawlUrls).where(eq(crawlUrls.jobId, jobId))).map((u) => [new URL(u.url).pathname, u]));

const jobLog = (jobId: string) => jobLogText(rt.database.db, jobId);

const crawlInput = (site: DocsSite) => ({ url: `${site.url}/docs/`, mode: 'recursive' as const, maxDepth: 3 });

describe('refreshing a source whose site changed (ETag)', () => {
  let etagSource = '';

  it('re-fetches only changed pages, re-embeds only changed chunks, removes gone pages and keeps user edits', async () => {
    const site = sites.etag!;
    const first = await embeddedDuring(() => rt.caller.knowledge.crawl(crawlInput(site)));
    expect(first.job.status).toBe('completed');
    const sourceId = first.job.sourceId!;
    etagSource = sourceId;
    const before = await pagesOf(sourceId);
    expect([...before.keys()]).toEqual(expect.arrayContaining(['/docs/', '/docs/a', '/docs/b', '/docs/c/', '/docs/c/deep', '/docs/legal']));
    expect(first.inputs.some((t) => t.includes('npm install frob'))).toBe(true);

    await rt.caller.knowledge.updateSource({ id: sourceId, title: 'Frobnicator manual', tags: ['frob'], knowledgeType: 'business' });

    site.setPage(
      '/docs/a',
      fixturePage(
        'Guide A',
        '<h1>Guide A: configuring the frobnicator</h1><p>The frobnicator now has a turbo mode that doubles widget throughput.</p>',
      ),
    );
    site.setPage('/docs/legal', null);
    site.setPage('/docs/c/', fixturePage('Section C', '<h1>Section C: troubleshooting</h1><p>If widgets overlap, lower the widget count.</p>'));
    site.setPage('/docs/', fixturePage('Home', '<h1>Welcome to Fixture Docs</h1><p>Read <a href="/docs/new">what is new</a>.</p>'));
    site.setPage('/docs/new', fixturePage('New', '<h1>What is new</h1><p>Release 2 adds quantum widget stacking.</p>'));

    const refresh = await embeddedDuring(() => rt.caller.knowledge.refresh({ id: sourceId }));
    expect(refresh.job).toMatchObject({ kind: 'refresh', status: 'completed', sourceId });

    const urls = await reasons(refresh.job.id);
    expect(urls.get('/docs/b')).toMatchObject({ status: 'skipped', reason: 'not modified' });
    expect(urls.get('/docs/a')?.status).toBe('done');

    const after = await pagesOf(sourceId);
    expect([...after.keys()].sort()).toEqual(['/docs/', '/docs/a', '/docs/b', '/docs/c/', '/docs/new']);
    expect(after.get('/docs/a')!.content).toContain('turbo mode');
    // The unchanged page is the same row, stamped as seen by this refresh.
    expect(after.get('/docs/b')!.id).toBe(before.get('/docs/b')!.id);
    expect(after.get('/docs/b')!.fetchedAt!.getTime()).toBeGreaterThan(before.get('/docs/b')!.fetchedAt!.getTime());

    // Only new text went to the provider: nothing of the unchanged page.
    expect(refresh.inputs.some((t) => t.includes('turbo mode'))).toBe(true);
    expect(refresh.inputs.some((t) => t.includes('quantum widget stacking'))).toBe(true);
    expect(refresh.inputs.some((t) => t.includes('npm install frob'))).toBe(false);
    expect(refresh.inputs.length).toBeLessThan(first.inputs.length);

    // Chunks went with their pages, and search agrees.
    const stored = await rt.database.db.select({ pageId: chunks.pageId }).from(chunks).where(eq(chunks.sourceId, sourceId));
    const pageIds = new Set([...after.values()].map((p) => p.id));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((c) => pageIds.has(c.pageId))).toBe(true);
    const licence = await rt.caller.knowledge.search({ query: 'MIT licence', sourceIds: [sourceId], mode: 'fulltext' });
    expect(licence.results).toHaveLength(0);
    const turbo = await rt.caller.knowledge.search({ query: 'turbo mode widget throughput', sourceIds: [sourceId] });
    expect(turbo.results[0]?.url).toBe(`${site.url}/docs/a`);

    const source = await rt.caller.knowledge.source({ id: sourceId });
    expect(source).toMatchObject({ title: 'Frobnicator manual', tags: ['frob'], knowledgeType: 'business', pageCount: 5 });
    const log = await jobLog(refresh.job.id);
    expect(log).toMatch(/removed: the site answered 404/);
    expect(log).toMatch(/removed: no longer linked/);
  });

  it('keeps the rest of the site when the start page is gone', async () => {
    const site = sites.etag!;
    const sourceId = etagSource;
    site.setPage('/docs/', null);
    const refresh = await embeddedDuring(() => rt.caller.knowledge.refresh({ id: sourceId }));
    expect(refresh.job).toMatchObject({ status: 'failed', error: expect.stringMatching(/404/) });
    // Nothing was reached beyond the start page, so nothing else is judged vanished.
    const after = await pagesOf(sourceId);
    expect([...after.keys()].sort()).toEqual(['/docs/a', '/docs/b', '/docs/c/', '/docs/new']);
    site.setPage('/docs/', fixturePage('Home', '<h1>Welcome to Fixture Docs</h1><p>Read <a href="/docs/new">what is new</a>.</p>'));
  });

  it('refuses to refresh an unknown source or one already being crawled', async () => {
    await expect(rt.caller.knowledge.refresh({ id: 'no-such-source' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const site = sites.etag!;
    const sourceId = etagSource;
    site.setPage('/docs/', fixturePage('Home', '<h1>Welcome back</h1>'));
    const running = await rt.caller.knowledge.refresh({ id: sourceId });
    await expect(rt.caller.knowledge.refresh({ id: sourceId })).rejects.toMatchObject({ code: 'CONFLICT' });
    await finished(running.id);
  });
});

describe.each(['last-modified', 'none'] as const)('refreshing an unchanged site (%s)', (validators) => {
  it('costs no embedding calls, and with validators no page bodies', async () => {
    const site = sites[validators]!;
    const first = await embeddedDuring(() => rt.caller.knowledge.crawl(crawlInput(site)));
    expect(first.job.status).toBe('completed');
    expect(first.inputs.length).toBeGreaterThan(0);
    const sourceId = first.job.sourceId!;
    const before = await pagesOf(sourceId);

    const refresh = await embeddedDuring(() => rt.caller.knowledge.refresh({ id: sourceId }));
    expect(refresh.job).toMatchObject({ status: 'completed', error: null });
    expect(refresh.inputs).toEqual([]);
    const urls = [...(await reasons(refresh.job.id)).values()].filter((u) => u.kind === 'page');
    const notModified = urls
      .filter((u) => u.reason === 'not modified')
      .map((u) => new URL(u.url).pathname)
      .sort();
    if (validators === 'none') expect(notModified).toEqual([]);
    // Every stored page answered 304, by name; the calendar pages are generated per request and carry no validators.
    else expect(notModified).toEqual([...before.keys()].filter((p) => !p.startsWith('/docs/calendar/')).sort());

    const after = await pagesOf(sourceId);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [path, page] of after) expect(page.contentHash).toBe(before.get(path)!.contentHash);
    expect(await rt.database.db.$count(chunks, eq(chunks.sourceId, sourceId))).toBe([...after.values()].reduce((n, p) => n + p.chunkCount, 0));
  });
});
