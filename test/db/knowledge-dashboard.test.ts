import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, codeExamples, jobs, sources } from '../../db/schema';
import { createJob } from '../../server/services/jobs/jobs';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/**
 * What the dashboard's knowledge pages read besides the plain listing: each
 * source's embedding coverage and jobs, the tags in use, the order of the
 * list across pages, a source's code examples, and an upload's files one by one.
 */
let rt: TestRuntime;
let site: DocsSite;
const ids = { site: '', single: '', upload: '' };
let uploadJobId = '';

const file = (name: string, content: string | Buffer) => ({
  name,
  contentBase64: (typeof content === 'string' ? Buffer.from(content) : content).toString('base64'),
});

const GOOD = `# Sprocket guide

Sprockets are configured before the first start.

\`\`\`python
from sprockets import configure
configure(path="sprockets.toml", strict=True)
print("configured")
\`\`\`
`;

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
  const crawl = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2, tags: ['frob', 'docs'] });
  const single = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/b`, mode: 'single', tags: ['frob'], title: 'Installing' });
  const upload = await rt.caller.knowledge.upload({ files: [file('guide.md', GOOD), file('empty.md', '')], title: 'Uploaded guide' });
  for (const job of [crawl, single, upload]) expect((await jobSettled(rt, job.id, 60_000)).status).toBe('completed');
  ids.site = crawl.sourceId!;
  ids.single = single.sourceId!;
  ids.upload = upload.sourceId!;
  uploadJobId = upload.id;
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

describe('knowledge.sourceStatuses', () => {
  it('reports embedding coverage, the last job and when a job last completed', async () => {
    const { items } = await rt.caller.knowledge.sourceStatuses({ ids: [ids.site, ids.upload, 'no-such-source', ids.site] });
    expect(items.map((s) => s.sourceId)).toEqual([ids.site, ids.upload]);
    const site = items[0]!;
    const [nChunks, nCode] = await Promise.all([
      rt.database.db.$count(chunks, eq(chunks.sourceId, ids.site)),
      rt.database.db.$count(codeExamples, eq(codeExamples.sourceId, ids.site)),
    ]);
    expect(nChunks).toBeGreaterThan(0);
    expect(site.embeddings).toEqual({ total: nChunks + nCode, current: nChunks + nCode, missing: 0, stale: 0 });
    expect(site.activeJob).toBeNull();
    expect(site.lastJob).toMatchObject({ kind: 'crawl', status: 'completed', sourceId: ids.site });
    expect(site.lastJob).not.toHaveProperty('input');
    expect(site.lastCompletedAt).toBeInstanceOf(Date);
    // An upload has no crawl date; its last completed job says when it was last ingested.
    const upload = items[1]!;
    expect((await rt.caller.knowledge.source({ id: ids.upload })).lastCrawledAt).toBeNull();
    expect(upload.lastCompletedAt?.getTime()).toBe(upload.lastJob?.finishedAt?.getTime());
  });

  it('counts vectors from another model as stale and rows without one as missing', async () => {
    const rows = await rt.database.db.select({ id: chunks.id }).from(chunks).where(eq(chunks.sourceId, ids.single)).limit(2);
    expect(rows.length).toBeGreaterThan(0);
    await rt.database.db.update(chunks).set({ embeddingModel: 'another-model' }).where(eq(chunks.id, rows[0]!.id));
    if (rows[1]) {
      await rt.database.db
        .update(chunks)
        .set({ embedding: null, embeddingDim: null, embeddingModel: null, indexedDim: null })
        .where(eq(chunks.id, rows[1].id));
    }
    const [status] = (await rt.caller.knowledge.sourceStatuses({ ids: [ids.single] })).items;
    expect(status!.embeddings.stale).toBe(1);
    expect(status!.embeddings.missing).toBe(rows[1] ? 1 : 0);
    expect(status!.embeddings.current).toBe(status!.embeddings.total - 1 - (rows[1] ? 1 : 0));
  });

  it('shows the queued or running job of a source, the newest first', async () => {
    const job = await createJob(rt.database.db, { kind: 'refresh', sourceId: ids.single, input: {} });
    try {
      const [status] = (await rt.caller.knowledge.sourceStatuses({ ids: [ids.single] })).items;
      expect(status!.activeJob).toMatchObject({ id: job.id, kind: 'refresh', status: 'queued' });
      expect(status!.lastJob).toMatchObject({ kind: 'crawl', status: 'completed' });
    } finally {
      await rt.database.db.delete(jobs).where(eq(jobs.id, job.id));
    }
  });

  it('refuses an empty or oversized list of ids', async () => {
    await expect(rt.caller.knowledge.sourceStatuses({ ids: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.sourceStatuses({ ids: Array(201).fill(ids.site) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('knowledge.sourceTags', () => {
  it('lists every tag with how many sources carry it, most used first', async () => {
    expect(await rt.caller.knowledge.sourceTags()).toEqual([
      { tag: 'frob', sources: 2 },
      { tag: 'docs', sources: 1 },
    ]);
  });
});

describe('ordering the sources list', () => {
  it('sorts by counts and dates across pages, ties by title, never-crawled sources last', async () => {
    const all = (await rt.caller.knowledge.sources()).items;
    const byPages = (await rt.caller.knowledge.sources({ sort: 'pages' })).items;
    expect(byPages.map((s) => s.pageCount)).toEqual(all.map((s) => s.pageCount).sort((a, b) => b - a));
    expect(byPages[0]!.id).toBe(ids.site);
    const ascending = (await rt.caller.knowledge.sources({ sort: 'chunks', direction: 'asc' })).items.map((s) => s.chunkCount);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    const crawled = (await rt.caller.knowledge.sources({ sort: 'lastCrawled' })).items;
    expect(crawled.at(-1)!.id).toBe(ids.upload);
    expect((await rt.caller.knowledge.sources({ sort: 'lastCrawled', direction: 'asc' })).items.at(-1)!.id).toBe(ids.upload);
    const titles = (await rt.caller.knowledge.sources({ sort: 'title', direction: 'desc' })).items.map((s) => s.title.toLowerCase());
    expect(titles).toEqual([...titles].sort().reverse());
    // Pages of one order never overlap, even with ties.
    await rt.database.db.update(sources).set({ createdAt: sql`'2026-01-01T00:00:00Z'::timestamptz` });
    const pages = await Promise.all([0, 1, 2].map((offset) => rt.caller.knowledge.sources({ sort: 'created', limit: 1, offset })));
    expect(new Set(pages.map((p) => p.items[0]!.id)).size).toBe(3);
  });

  it('refuses an unknown order', async () => {
    await expect(rt.caller.knowledge.sources({ sort: 'size' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.knowledge.sources({ direction: 'up' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('knowledge.listCodeExamples', () => {
  it("lists a source's examples with their page, filtered by language and text", async () => {
    const all = await rt.caller.knowledge.listCodeExamples({ sourceId: ids.site });
    expect(all.total).toBeGreaterThan(0);
    const example = all.items.find((e) => e.code.includes('frobnicate('))!;
    expect(example).toMatchObject({
      language: 'typescript',
      sourceId: ids.site,
      url: `${site.url}/docs/a`,
      pageTitle: expect.stringContaining('Guide A'),
    });
    expect(all.languages).toContainEqual({ language: 'typescript', count: expect.any(Number) });
    expect(all.languages.reduce((n, l) => n + l.count, 0)).toBe(all.total);

    const ts = await rt.caller.knowledge.listCodeExamples({ sourceId: ids.site, language: 'typescript' });
    expect(ts.items.every((e) => e.language === 'typescript')).toBe(true);
    expect((await rt.caller.knowledge.listCodeExamples({ sourceId: ids.site, query: 'frobnicate' })).items.map((e) => e.id)).toContain(example.id);
    expect((await rt.caller.knowledge.listCodeExamples({ sourceId: ids.site, query: '100%_' })).items).toEqual([]);
    expect((await rt.caller.knowledge.listCodeExamples({ sourceId: ids.site, language: 'cobol' })).total).toBe(0);
    const upload = await rt.caller.knowledge.listCodeExamples({ sourceId: ids.upload });
    expect(upload.items.map((e) => e.language)).toEqual(['python']);
  });

  it('says which source is missing', async () => {
    await expect(rt.caller.knowledge.listCodeExamples({ sourceId: 'no-such-source' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('no-such-source'),
    });
  });
});

describe('knowledge.uploadFiles', () => {
  it("lists an upload's files with each one's outcome, never their bytes", async () => {
    const files = await rt.caller.knowledge.uploadFiles({ jobId: uploadJobId });
    expect(files).toMatchObject({ jobId: uploadJobId, sourceId: ids.upload, status: 'completed' });
    expect(files.items.map((f) => [f.name, f.status])).toEqual([
      ['empty.md', 'failed'],
      ['guide.md', 'done'],
    ]);
    expect(files.items[0]!.error).toMatch(/empty\.md/);
    expect(files.items[1]!.pageId).toEqual(expect.any(String));
    expect(files.items[0]).not.toHaveProperty('content');
  });

  it('says which job is missing', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(rt.caller.knowledge.uploadFiles({ jobId: missing })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(missing),
    });
  });
});
