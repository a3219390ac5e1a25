import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pages, sources } from '../../db/schema';
import { dispatch } from '../../inngest/dispatch';
import { archiveLines } from '../../server/services/archive/archive-stream';
import { importSource } from '../../server/services/archive/import-source';
import { refreshDueSources } from '../../server/services/crawl/scheduled-refresh';
import { jobLogText } from '../helpers/job-stream';
import { htmlLinks, htmlPage, type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/**
 * A source's lifecycle around refreshes: a page that now redirects elsewhere,
 * a schedule set with a crawl that did not finish, and crawl options a
 * refresh cannot use (stored by another version, through an archive).
 */
let rt: TestRuntime;
let site: LoopbackSite;
let base = '';
const state = { moved: false };

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    const send = (status: number, body = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end(body);
    };
    if (p === '/robots.txt') return send(200, 'User-agent: *\nAllow: /\n', { 'content-type': 'text/plain' });
    if (p === '/r/') return send(200, htmlPage('R home', htmlLinks('/r/old', '/r/x')));
    if (p === '/r/old' && state.moved) return send(301, '', { location: `${base}/r/new` });
    if (p === '/r/old') return send(200, htmlPage('Old', 'zebracornium is how it used to work.'));
    if (p === '/r/new') return send(200, htmlPage('New', 'quokkavision is how it works now.'));
    if (p === '/s/') return send(200, htmlPage('S home', htmlLinks('/s/a', '/s/b')));
    if (/^\/(r|s)\/[\w-]+$/.test(p)) return send(200, htmlPage(p, `Content of ${p}.`));
    send(404, 'nope');
  });
  base = site.base;
  rt = await createTestRuntime({ runner: true, poolMax: 8, env: { CRAWL_ALLOWED_HOSTS: site.host } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const stored = async (sourceId: string) =>
  (await rt.database.db.select({ url: pages.url }).from(pages).where(eq(pages.sourceId, sourceId))).map((p) => new URL(p.url).pathname).sort();
const jobLog = (jobId: string) => jobLogText(rt.database.db, jobId);

describe('a refresh that finds a stored page redirecting to another', () => {
  it('stores the target and removes the old page, whose text is no longer found', async () => {
    const first = await jobSettled(rt, (await rt.caller.knowledge.crawl({ url: `${base}/r/`, mode: 'recursive', maxDepth: 3 })).id);
    expect(first.status).toBe('completed');
    const sourceId = first.sourceId!;
    expect(await stored(sourceId)).toEqual(['/r/', '/r/old', '/r/x']);

    state.moved = true;
    try {
      const refresh = await jobSettled(rt, (await rt.caller.knowledge.refresh({ id: sourceId })).id);
      expect(refresh.status).toBe('completed');
      expect(await stored(sourceId)).toEqual(['/r/', '/r/new', '/r/x']);
      const old = await rt.caller.knowledge.search({ query: 'zebracornium', mode: 'fulltext', sourceIds: [sourceId] });
      expect(old.results).toEqual([]);
      expect(await jobLog(refresh.id)).toMatch(/1 page\(s\) removed: they now redirect to another page \(\S+\/r\/old → \S+\/r\/new\)/);

      // Refreshed again, the target stays.
      const again = await jobSettled(rt, (await rt.caller.knowledge.refresh({ id: sourceId })).id);
      expect(again.status).toBe('completed');
      expect(await stored(sourceId)).toEqual(['/r/', '/r/new', '/r/x']);
    } finally {
      state.moved = false;
    }
  });
});

describe('a schedule set with a crawl', () => {
  const schedule = async (sourceId: string) =>
    (
      await rt.database.db.select({ interval: sources.refreshInterval, next: sources.nextRefreshAt }).from(sources).where(eq(sources.id, sourceId))
    )[0]!;

  it('is due a day on even when the crawl is cancelled, and unscheduled by off', async () => {
    const first = await jobSettled(rt, (await rt.caller.knowledge.crawl({ url: `${base}/s/`, mode: 'recursive' })).id);
    expect(await schedule(first.sourceId!)).toEqual({ interval: 'off', next: null });

    const before = Date.now();
    const job = await rt.caller.knowledge.crawl({ url: `${base}/s/`, mode: 'recursive', refreshInterval: 'daily' });
    await rt.caller.jobs.cancel({ id: job.id });
    expect((await jobSettled(rt, job.id)).status).toBe('cancelled');
    const daily = await schedule(first.sourceId!);
    expect(daily.interval).toBe('daily');
    expect(daily.next?.getTime()).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect((await refreshDueSources(rt.database.db, dispatch, new Date(before + 86_400_000 + 60_000))).started).toEqual([first.sourceId]);
    await rt.runner!.idle(30_000);

    const off = await rt.caller.knowledge.crawl({ url: `${base}/s/`, mode: 'recursive', refreshInterval: 'off' });
    await rt.caller.jobs.cancel({ id: off.id }).catch(() => {});
    await jobSettled(rt, off.id);
    expect(await schedule(first.sourceId!)).toEqual({ interval: 'off', next: null });
  });

  it('on a new source whose first crawl is cancelled', async () => {
    const job = await rt.caller.knowledge.crawl({ url: `${base}/s/a`, mode: 'single', refreshInterval: 'weekly' });
    await rt.caller.jobs.cancel({ id: job.id }).catch(() => {});
    await jobSettled(rt, job.id);
    expect((await schedule(job.sourceId!)).next).toBeInstanceOf(Date);
  });
});

describe('a source whose stored crawl options this version refuses', () => {
  async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  const importUrlSource = (id: string, crawlOptions: Record<string, unknown>) => {
    const lines = [
      { format: 'archon-source', version: 1, exportedAt: '2024-01-01T00:00:00.000Z', archon: 'a later version', embedding: null },
      {
        type: 'source',
        id,
        kind: 'url',
        url: `${base}/s/`,
        title: 'Imported',
        titleEdited: false,
        summary: null,
        knowledgeType: 'technical',
        tags: [],
        crawlOptions,
        refreshInterval: 'daily',
        lastCrawledAt: '2020-01-01T00:00:00.000Z',
      },
      { type: 'end', pages: 0, chunks: 0, codeExamples: 0 },
    ];
    const bytes = Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return importSource(rt.database.db, archiveLines(once(bytes)), { embedder: rt.ingest.embedder, onConflict: 'error' });
  };

  it('refuses a refresh saying which option and what to do, and the scheduler goes on to the next source', async () => {
    await importUrlSource('imported-later-mode', { mode: 'headless-browser' });
    await importUrlSource('imported-later-limit', { maxPages: 500_000 });
    await expect(rt.caller.knowledge.refresh({ id: 'imported-later-mode' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/crawl options this version cannot use \(mode: .*\); crawl \S+\/s\/ again/),
    });
    await expect(rt.caller.knowledge.refresh({ id: 'imported-later-limit' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('maxPages'),
    });
    const ran = await refreshDueSources(rt.database.db, dispatch, new Date());
    expect(ran.skipped.map((s) => s.id).sort()).toEqual(['imported-later-limit', 'imported-later-mode']);
  });
});

describe('a summary a person wrote', () => {
  it('survives crawls and refreshes, and an empty one hands it back to them', async () => {
    const first = await jobSettled(rt, (await rt.caller.knowledge.crawl({ url: `${base}/r/x`, mode: 'single' })).id);
    const sourceId = first.sourceId!;
    const auto = (await rt.caller.knowledge.source({ id: sourceId })).summary;
    expect(auto).toMatch(/Content of \/r\/x/);

    await rt.caller.knowledge.updateSource({ id: sourceId, summary: 'My own words about it.' });
    expect((await jobSettled(rt, (await rt.caller.knowledge.refresh({ id: sourceId })).id)).status).toBe('completed');
    expect((await rt.caller.knowledge.source({ id: sourceId })).summary).toBe('My own words about it.');

    await rt.caller.knowledge.updateSource({ id: sourceId, summary: '' });
    expect((await jobSettled(rt, (await rt.caller.knowledge.refresh({ id: sourceId })).id)).status).toBe('completed');
    expect((await rt.caller.knowledge.source({ id: sourceId })).summary).toBe(auto);
  });
});
