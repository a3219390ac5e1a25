// The dashboard's measured targets, run alone rather than as timed tests (on two
// shared cores a test's timing says more about its neighbours than about the page):
//   - live latency: a crawl's log on /jobs/[id], from each event's write to the frame that paints its row (target p95 < 100 ms);
//   - a list of 1,000 sources: opening it, paging, sorting, filtering (render times);
//   - Lighthouse (desktop) on the knowledge list of 1,000 sources, a source, search results, the jobs list and a job (target ≥ 90, a11y ≥ 95).
// It runs the built server (npm run build first) on the embedded database, or on TEST_DATABASE_URL's server with
// ARCHON_TEST_DB=postgres, and crawls the PostgreSQL manual (apt-get install postgresql-doc-15) from a local site.
//
//   npm run bench:dashboard
import type { Page } from 'playwright-core';
import { measureRender, type RenderTiming, startDashboard, summarise, trpcAs, waitForLive, waitForPageReady } from '../test/helpers/dashboard';
import { lighthouseScores } from '../test/helpers/lighthouse';
import { clockOffset, recordLogRows } from '../test/helpers/live-log';
import { MANUAL_DIR, requireManual } from './harness';
import { serveDirectoryInChild } from './site-process';

const SOURCES = Number(process.env.BENCH_SOURCES ?? 1000);
const LIVE_EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 300);
const ms = (n: number) => `${n.toFixed(1)} ms`;

requireManual();
const site = await serveDirectoryInChild(MANUAL_DIR);
const app = await startDashboard({
  env: { CRAWL_ALLOWED_HOSTS: site.host, RATE_LIMIT_UPLOAD_PER_MINUTE: '100000', RATE_LIMIT_CRAWL_PER_MINUTE: '1000' },
});
const figures: string[] = [];
try {
  const page = await app.signedInPage();
  const api = trpcAs(page.context(), app.url);
  // On the embedded database the server can stall at the end of a crawl (issue #18 §1), resetting a kept-alive
  // connection: a poll that fails is tried again rather than ending the benchmark.
  const jobNow = (id: string) =>
    api.query('jobs.get', { id }).catch((err: Error) => (/ECONNRESET|socket hang up/.test(err.message) ? { finishedAt: null } : Promise.reject(err)));
  const waitJob = async (id: string) => {
    for (;;) {
      const job = await jobNow(id);
      if (job.finishedAt) return job;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // Live latency on a crawl's log.
  const recorder = await recordLogRows(page);
  const crawl = await api.mutate('knowledge.crawl', {
    url: `${site.url}/index.html`,
    mode: 'recursive',
    maxDepth: 100,
    maxPages: 5000,
    // Paced, so the crawl lasts long enough for the page to be watching while hundreds of events are written.
    concurrency: 1,
    delayMs: 50,
  });
  await page.goto(`${app.url}/jobs/${crawl.id}`);
  await page.getByTestId('job-log').waitFor();
  await waitForLive(page);
  const { offset, rtt } = await clockOffset(page);
  const from = (await page.evaluate(() => performance.timeOrigin + performance.now())) + offset;
  const measured = async () => (await recorder.rows()).filter((r) => r.createdAt > from);
  for (let i = 0; i < 600 && (await measured()).length < LIVE_EVENTS; i++) {
    if ((await jobNow(crawl.id)).finishedAt) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const live = summarise((await measured()).map((r) => r.seenAt + offset - r.createdAt));
  figures.push(
    `live log latency, event written → row painted: ${live.n} events, p50 ${ms(live.p50)}, p95 ${ms(live.p95)}, max ${ms(live.max)} (clock offset ${ms(offset)} ± ${ms(rtt / 2)})`,
  );
  const crawled = await waitJob(crawl.id);
  figures.push(`crawl of the manual: ${crawled.status}, ${crawled.pagesFetched} pages`);

  // 1,000 sources: one small upload, exported without vectors and imported as copies.
  const up = await page.context().request.post(`${app.url}/api/uploads`, {
    multipart: { file: { name: 'widgets.md', mimeType: 'text/markdown', buffer: Buffer.from('# Widgets\n\nHow widgets frob.\n') } },
    headers: { 'x-csrf-token': await csrf(page), origin: app.url },
  });
  if (up.status() !== 202) throw new Error(`upload failed: ${up.status()} ${await up.text()}`);
  const upload = await waitJob((await up.json()).id);
  const archive = await (
    await page.context().request.get(`${app.url}/api/sources/${encodeURIComponent(upload.sourceId)}/export?embeddings=0`)
  ).body();
  const before = (await api.query('knowledge.sources', { limit: 1 })).total;
  const queue = Array.from({ length: Math.max(0, SOURCES - before) }, (_, i) => i);
  const token = await csrf(page);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (queue.shift() !== undefined) {
        const res = await page.context().request.post(`${app.url}/api/sources/import?onConflict=copy`, {
          data: archive,
          headers: { 'content-type': 'application/gzip', 'x-csrf-token': token, origin: app.url },
        });
        if (res.status() !== 201) throw new Error(`import failed: ${res.status()} ${await res.text()}`);
      }
    }),
  );
  figures.push(`${SOURCES - before} sources imported in ${Date.now() - started} ms`);

  const timings: RenderTiming[] = [];
  await page.goto(`${app.url}/jobs`);
  timings.push(await measureRender(page, `${SOURCES} sources: open the list`, () => page.goto(`${app.url}/knowledge`), '[data-testid=source-row]'));
  await waitForPageReady(page);
  const firstId = await page.getByTestId('source-row').first().getAttribute('data-source-id');
  timings.push(
    await measureRender(
      page,
      `${SOURCES} sources: next page`,
      () => page.getByRole('button', { name: 'Next page of sources' }).click(),
      `[data-testid=source-row]:not([data-source-id="${firstId}"])`,
    ),
  );
  timings.push(
    await measureRender(
      page,
      `${SOURCES} sources: sort by pages`,
      () => page.getByRole('button', { name: 'Pages', exact: true }).click(),
      `[data-testid=source-row][data-source-id="${crawled.sourceId}"]`,
    ),
  );
  timings.push(
    await measureRender(
      page,
      `${SOURCES} sources: filter by text to one`,
      () => page.getByRole('searchbox', { name: /Filter sources/ }).fill('PostgreSQL'),
      `[data-testid=source-row][data-source-id="${crawled.sourceId}"]`,
    ),
  );
  for (const t of timings) figures.push(`render: ${t.what} ${t.ms} ms`);

  const cookie = (await page.context().cookies(app.url)).map((c) => `${c.name}=${c.value}`).join('; ');
  const paths = [
    '/knowledge',
    `/knowledge/sources/${encodeURIComponent(crawled.sourceId)}`,
    '/search?q=create+index+concurrently',
    '/jobs',
    `/jobs/${crawl.id}`,
  ];
  for (const s of await lighthouseScores(app.url, cookie, paths)) {
    figures.push(`Lighthouse ${s.path}: performance ${s.performance} (runs ${s.runs.join(', ')}; ${s.detail}), accessibility ${s.accessibility}`);
  }
} finally {
  await app.close();
  await site.close();
}
console.log(`\nDashboard (${process.env.ARCHON_TEST_DB === 'postgres' ? 'PostgreSQL server' : 'embedded database'}):`);
for (const f of figures) console.log(`  ${f}`);

async function csrf(page: Page) {
  return decodeURIComponent((await page.context().cookies(app.url)).find((c) => c.name === 'archon_csrf')?.value ?? '');
}
