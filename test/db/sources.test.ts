import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, codeExamples, crawlUrls, pages } from '../../db/schema';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/** Knowledge management: listing with filters, editing, deleting with cascade, and the chunk browser. */
let rt: TestRuntime;
let site: DocsSite;
const ids: Record<'a' | 'b' | 'site', string> = { a: '', b: '', site: '' };

async function crawl(input: Parameters<TestRuntime['caller']['knowledge']['crawl']>[0]) {
  const job = await rt.caller.knowledge.crawl(input);
  const done = await waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    `job ${job.id}`,
  );
  expect(done.status).toBe('completed');
  return done.sourceId!;
}

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
  ids.a = await crawl({ url: `${site.url}/docs/a`, mode: 'single', tags: ['frob', 'config'] });
  ids.b = await crawl({ url: `${site.url}/docs/b`, mode: 'single', tags: ['frob'], knowledgeType: 'business', title: 'Installing Frob' });
  ids.site = await crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

describe('listing sources', () => {
  it('lists every source with its counts, by title', async () => {
    const all = await rt.caller.knowledge.sources();
    expect(all.total).toBe(3);
    const titles = all.items.map((s) => s.title.toLowerCase());
    expect(titles).toEqual([...titles].sort());
    const whole = all.items.find((s) => s.id === ids.site)!;
    const [pageRows, chunkRows] = await Promise.all([
      rt.database.db.$count(pages, eq(pages.sourceId, ids.site)),
      rt.database.db.$count(chunks, eq(chunks.sourceId, ids.site)),
    ]);
    expect(whole).toMatchObject({ pageCount: pageRows, chunkCount: chunkRows });
    expect(pageRows).toBeGreaterThan(3);
  });

  it('filters by type, tags and text, and pages through results', async () => {
    expect((await rt.caller.knowledge.sources({ knowledgeType: 'business' })).items.map((s) => s.id)).toEqual([ids.b]);
    expect((await rt.caller.knowledge.sources({ tags: ['frob'] })).items.map((s) => s.id).sort()).toEqual([ids.a, ids.b].sort());
    // Any of the tags, as in search filters.
    expect((await rt.caller.knowledge.sources({ tags: ['config', 'nothing'] })).items.map((s) => s.id)).toEqual([ids.a]);
    expect((await rt.caller.knowledge.sources({ query: 'installing frob' })).items.map((s) => s.id)).toEqual([ids.b]);
    // The text filter also looks at summaries: the site's home page talks about installing.
    expect((await rt.caller.knowledge.sources({ query: 'installing' })).items.map((s) => s.id).sort()).toEqual([ids.b, ids.site].sort());
    expect((await rt.caller.knowledge.sources({ query: '100%_' })).items).toEqual([]);
    const first = await rt.caller.knowledge.sources({ limit: 2, offset: 0 });
    const second = await rt.caller.knowledge.sources({ limit: 2, offset: 2 });
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(second.items).toHaveLength(1);
    expect([...first.items, ...second.items].map((s) => s.id)).toEqual((await rt.caller.knowledge.sources()).items.map((s) => s.id));
  });

  it('refuses bad filters with a clear error', async () => {
    await expect(rt.caller.knowledge.sources({ knowledgeType: 'nonsense' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.sources({ limit: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('editing a source', () => {
  it('changes title, tags and type, and a later crawl keeps the title', async () => {
    const edited = await rt.caller.knowledge.updateSource({
      id: ids.a,
      title: 'Frob configuration',
      tags: ['frob', 'reference'],
      knowledgeType: 'business',
    });
    expect(edited).toMatchObject({ title: 'Frob configuration', tags: ['frob', 'reference'], knowledgeType: 'business' });
    await crawl({ url: `${site.url}/docs/a`, mode: 'single' });
    expect(await rt.caller.knowledge.source({ id: ids.a })).toMatchObject({
      title: 'Frob configuration',
      tags: ['frob', 'reference'],
      knowledgeType: 'business',
    });
    // Search filters see the new tags at once.
    const hits = await rt.caller.knowledge.search({ query: 'frobnicator options', tags: ['reference'] });
    expect(hits.results.length).toBeGreaterThan(0);
    expect(hits.results.every((h) => h.sourceId === ids.a)).toBe(true);
  });

  it('refuses an empty edit, an unknown source and bad values', async () => {
    await expect(rt.caller.knowledge.updateSource({ id: ids.a })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.updateSource({ id: 'nope', title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.knowledge.updateSource({ id: ids.a, title: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.updateSource({ id: ids.a, refreshInterval: 'yearly' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('browsing chunks', () => {
  it("lists a source's and a page's chunks in document order, with paging", async () => {
    const total = await rt.database.db.$count(chunks, eq(chunks.sourceId, ids.site));
    const all = await rt.caller.knowledge.listChunks({ sourceId: ids.site, limit: 200 });
    expect(all.total).toBe(total);
    expect(all.items).toHaveLength(total);
    const half = await rt.caller.knowledge.listChunks({ sourceId: ids.site, limit: 2, offset: 1 });
    expect(half.items.map((c) => c.id)).toEqual(all.items.slice(1, 3).map((c) => c.id));
    const pageId = all.items[0]!.pageId;
    const ofPage = await rt.caller.knowledge.listChunks({ pageId, limit: 200 });
    expect(ofPage.items.length).toBeGreaterThan(0);
    expect(ofPage.items.every((c) => c.pageId === pageId)).toBe(true);
    expect(ofPage.items.map((c) => c.chunkIndex)).toEqual([...ofPage.items.keys()]);
  });

  it('refuses unknown sources and pages, and asks for exactly one of them', async () => {
    await expect(rt.caller.knowledge.listChunks({ sourceId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.knowledge.listChunks({ pageId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.knowledge.listChunks({} as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('deleting a source', () => {
  it('removes its pages, chunks, code examples and frontier, and nothing else', async () => {
    const db = rt.database.db;
    const otherChunks = await db.$count(chunks, eq(chunks.sourceId, ids.b));
    const deleted = await rt.caller.knowledge.deleteSource({ id: ids.site });
    expect(deleted.id).toBe(ids.site);
    expect(deleted.pages).toBeGreaterThan(3);
    for (const table of [pages, chunks, codeExamples] as const) expect(await db.$count(table, eq(table.sourceId, ids.site))).toBe(0);
    const jobsOfSource = (await rt.caller.jobs.list({ limit: 100 })).items.filter((j) => j.sourceId === ids.site);
    for (const job of jobsOfSource) expect(await db.$count(crawlUrls, eq(crawlUrls.jobId, job.id))).toBe(0);
    expect(await db.$count(chunks, eq(chunks.sourceId, ids.b))).toBe(otherChunks);
    await expect(rt.caller.knowledge.source({ id: ids.site })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.knowledge.deleteSource({ id: ids.site })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const search = await rt.caller.knowledge.search({ query: 'release calendar', mode: 'fulltext' });
    expect(search.results.every((h) => h.sourceId !== ids.site)).toBe(true);
  });

  it('cancels a crawl of the source that is still running', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/slowdocs/0`, mode: 'recursive', maxDepth: 10, scope: 'prefix' });
    await waitFor(async () => ((await rt.caller.jobs.get({ id: job.id })).pagesFetched > 0 ? true : null), 30_000, 'first page');
    await rt.caller.knowledge.deleteSource({ id: job.sourceId! });
    const after = await waitFor(
      async () => {
        const j = await rt.caller.jobs.get({ id: job.id }).catch(() => null);
        return j === null || ['cancelled', 'completed', 'failed'].includes(j.status) ? { job: j } : null;
      },
      30_000,
      'crawl stopped',
    );
    if (after.job) expect(after.job.status).toBe('cancelled');
    await rt.runner!.idle(30_000);
    expect(await rt.database.db.$count(pages, eq(pages.sourceId, job.sourceId!))).toBe(0);
  });
});
