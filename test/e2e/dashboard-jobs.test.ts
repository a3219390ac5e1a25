import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlLiveSocket,
  type Dashboard,
  expectNoSeriousA11yViolations,
  measureRender,
  type RenderTiming,
  screenshot,
  summarise,
  THEMES,
  trpcAs,
  waitForLive,
} from '../helpers/dashboard';
import { clockOffset, recordLogRows } from '../helpers/live-log';
import type { LoopbackSite } from '../helpers/loopback-site';
import { BIG_LOG, startSearchJobsDashboard } from '../helpers/search-jobs';
import { TEST_OWNER } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * The Jobs pages in Chromium against the built server: a job's log streaming
 * live (and how fast: from an event's write to the browser showing it), a
 * dropped connection resuming without gaps, cancelling, what a viewer sees,
 * the list and its filters, a 10,000-event log; axe and screenshots in both
 * themes. The site crawled and the big job are test/helpers/search-jobs.ts's.
 */

let app: Dashboard;
let site: LoopbackSite;
let bigJobId: string | null = null;
let bigLastEventId = 0;
let docsJobId = '';
const timings: RenderTiming[] = [];
const figures: string[] = [];

beforeAll(async () => {
  ({ app, site, bigJobId, bigLastEventId, docsJobId } = await startSearchJobsDashboard({ bigJob: true }));
});

afterAll(async () => {
  if (timings.length) console.log(`render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(40)} ${t.ms}`).join('\n')}`);
  if (figures.length) console.log(figures.join('\n'));
  await app?.close();
  await site?.close();
});

const ownerPage = (theme: 'light' | 'dark' = 'light') => app.signedInPage({ theme });

/**
 * A job's events through the API, kept open after its final status: steps still
 * running when a job is cancelled log what became of their work after it (the
 * page shows those too). `finished` settles once the final status has come.
 */
function watchEvents(jobId: string) {
  const { client, wsClient } = createArchonClient(app.url);
  const ids: number[] = [];
  let sub: { unsubscribe(): void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    sub = client.jobs.onProgress.subscribe(
      { jobId, lastEventId: null },
      {
        onData: (e: { id: string; data: { id: number; kind: string; payload: { status?: string } } }) => {
          ids.push(e.data.id);
          if (e.data.kind === 'status' && ['completed', 'failed', 'cancelled'].includes(e.data.payload.status ?? '')) resolve();
        },
        onError: reject,
      },
    );
  });
  return {
    finished,
    ids: () => [...ids],
    close: async () => {
      sub?.unsubscribe();
      await wsClient.close();
    },
  };
}

/** The page shows every event the API streamed, each once: what it lacks, what it has beyond them, and its count's excess. */
async function expectPageToShow(page: Page, jobId: string) {
  const stream = watchEvents(jobId);
  try {
    await stream.finished;
    const diff = async () => {
      const want = stream.ids();
      const shown = await pageEventIds(page);
      const count = Number(await page.getByTestId('event-count').getAttribute('data-count'));
      return {
        inOrder: want.every((id, i) => i === 0 || id > want[i - 1]!),
        missing: want.filter((id) => !shown.includes(id)),
        extra: shown.filter((id) => !want.includes(id)),
        countOver: count - want.length,
      };
    };
    await expect.poll(diff, { timeout: 10_000 }).toEqual({ inOrder: true, missing: [], extra: [], countOver: 0 });
  } finally {
    await stream.close();
  }
}

const jobFinished = (api: ReturnType<typeof trpcAs>, id: string, timeoutMs = 120_000) =>
  waitFor(
    async () => {
      const j = await api.query('jobs.get', { id });
      return j.finishedAt ? j : null;
    },
    timeoutMs,
    `job ${id}`,
  );

async function pageEventIds(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window as unknown as { __rows: Map<number, unknown> }).__rows.keys()].sort((a, b) => a - b));
}

describe('jobs', () => {
  it('streams a running crawl’s log live, every event once, within a bound that no polling meets', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    const recorder = await recordLogRows(page);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/big/`, mode: 'recursive', maxDepth: 3, maxPages: 5_000, concurrency: 4 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.getByTestId('job-log').waitFor();
    await waitForLive(page);
    // Events from before the page was watching arrive as a backlog; only those written from now on count.
    const { offset, rtt } = await clockOffset(page);
    const watchingFrom = (await page.evaluate(() => performance.timeOrigin + performance.now())) + offset;
    const measured = async () => (await recorder.rows()).filter((r) => r.createdAt > watchingFrom);
    // The counters move on screen as the crawl goes.
    const fetched = () => page.getByTestId('job-counts').locator('dd').nth(1).textContent();
    const before = await fetched();
    await expect.poll(async () => (await measured()).length, { timeout: 180_000, interval: 1_000 }).toBeGreaterThanOrEqual(120);
    expect(await fetched()).not.toBe(before);

    // Enough measured: stop the crawl from elsewhere (unless it just finished); the page follows to the end.
    await api.mutate('jobs.cancel', { id: job.id }).catch((err: Error) => expect(err.message).toMatch(/already completed/));
    await page
      .locator('[data-testid=job-status][data-status=cancelled], [data-testid=job-status][data-status=completed]')
      .first()
      .waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('log-live').textContent(), { timeout: 10_000 }).toBe('Finished');
    await expectPageToShow(page, job.id);

    const rows = await measured();
    const latencies = rows.map((r) => r.seenAt + offset - r.createdAt);
    const s = summarise(latencies);
    figures.push(
      `live latency, event written → row painted (ms, ${s.n} events, clock offset ${offset.toFixed(1)} ms ± ${(rtt / 2).toFixed(1)}): p50 ${s.p50.toFixed(1)}, p95 ${s.p95.toFixed(1)}, max ${s.max.toFixed(1)}`,
    );
    expect(s.n).toBeGreaterThanOrEqual(100);
    // The 100 ms target is measured by bench/dashboard.ts on a quiet machine; here, beside other suites on two shared
    // cores, the bound only catches a stream that stalls or polls.
    expect(s.p95).toBeLessThan(1_000);
  });

  it('resumes after a dropped connection with every event once, in order', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    await recordLogRows(page);
    const socket = await controlLiveSocket(page, app.server);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/big2/`, mode: 'recursive', maxDepth: 3, maxPages: 120, concurrency: 2 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.getByTestId('job-log').waitFor();
    await waitForLive(page);
    await expect.poll(() => page.getByTestId('event-count').getAttribute('data-count').then(Number), { timeout: 30_000 }).toBeGreaterThan(5);
    await socket.drop();
    await page.waitForTimeout(1_500);
    await page.locator('[data-testid=job-status][data-status=completed]').first().waitFor({ timeout: 120_000 });
    expect(socket.connections()).toBeGreaterThanOrEqual(2);
    await expectPageToShow(page, job.id);
  });

  it('cancels a running crawl after confirmation, showing it at once; a viewer gets no cancel button', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/slow/`, mode: 'recursive', maxDepth: 2, concurrency: 1 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.locator('[data-testid=job-status][data-status=running]').first().waitFor({ timeout: 30_000 });

    // A viewer watching the same job sees it, live, with no way to cancel it, here or in the list.
    const { token } = await api.mutate('users.invite', { email: 'viewer@example.com', role: 'viewer' });
    const viewerContext: BrowserContext = await app.newContext();
    const joined = await viewerContext.request.post(`${app.url}/api/auth/accept-invite`, {
      data: { token, password: 'viewer pass phrase 42', name: 'Vera Viewer' },
      headers: { origin: app.url },
    });
    expect(joined.status()).toBe(201);
    const viewer = await viewerContext.newPage();
    await viewer.goto(`${app.url}/jobs/${job.id}`);
    await viewer.locator('[data-testid=job-status][data-status=running]').first().waitFor();
    await viewer.getByTestId('job-log').waitFor();
    await expect(viewer.getByTestId('cancel-job').count()).resolves.toBe(0);
    await viewer.goto(`${app.url}/jobs`);
    await viewer.locator(`[data-testid=job-row][data-job-id="${job.id}"]`).waitFor();
    await expect(viewer.getByTestId('cancel-job').count()).resolves.toBe(0);
    await expect(viewer.getByRole('columnheader', { name: 'Actions' }).count()).resolves.toBe(0);

    await page.getByTestId('cancel-job').click();
    await expect.poll(() => page.getByTestId('cancel-job').getAttribute('aria-expanded'), { timeout: 5_000 }).toBe('true');
    const dialog = page.getByRole('alertdialog');
    await expect(dialog.textContent()).resolves.toMatch(/Cancel the crawl of .*\?.*stays searchable/);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await expectNoSeriousA11yViolations(page, `cancel dialog (${theme})`);
      await screenshot(page, 'job-cancel-dialog', theme);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    // Optimistic: cancelled on screen before the server's own status event could have come back.
    await page.locator('[data-testid=job-status][data-status=cancelled]').first().waitFor({ timeout: 1_000 });
    await expect(page.getByTestId('cancel-job').count()).resolves.toBe(0);
    const done = await jobFinished(api, job.id, 30_000);
    expect(done.status).toBe('cancelled');
    // The viewer's list follows live.
    await viewer
      .locator(`[data-testid=job-row][data-job-id="${job.id}"] [data-testid=job-status][data-status=cancelled]`)
      .waitFor({ timeout: 10_000 });
    await viewerContext.close();
  });

  it('lists jobs with who started them, filters by status and kind in the URL, and links to each', async () => {
    const page = await ownerPage();
    const t = await measureRender(page, 'jobs list', () => page.goto(`${app.url}/jobs`), '[data-testid=job-row]');
    timings.push(t);
    const docsRow = page.locator(`[data-testid=job-row][data-job-id="${docsJobId}"]`);
    await expect(docsRow.textContent()).resolves.toMatch(/Frobnicator docs.*Completed.*pages.*chunks/);
    // Who started it: the test owner (ARCHON_OWNER_EMAIL makes them "Owner"), their email on hover.
    await expect(docsRow.textContent()).resolves.toContain('Owner');
    await expect(docsRow.locator(`[title="${TEST_OWNER.email}"]`).count()).resolves.toBe(1);

    await page.getByTestId('status-cancelled').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'cancelled');
    await expect
      .poll(async () =>
        (
          await page.locator('[data-testid=job-row] [data-testid=job-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
        ).every((s) => s === 'cancelled'),
      )
      .toBe(true);
    await page.getByTestId('filter-kind').click();
    await page.getByRole('option', { name: 'Upload' }).click();
    await page.getByText('No jobs match these filters').waitFor();
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ status: 'cancelled', kind: 'upload' });
    await page.reload();
    await page.getByText('No jobs match these filters').waitFor();
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('kind'));
    await page.getByTestId('status-all').click();
    await docsRow.locator('a').first().click();
    await page.waitForURL(`${app.url}/jobs/${docsJobId}`);
    await expect(page.locator('main h1').textContent()).resolves.toBe('Crawl of Frobnicator docs');
    // No Inngest server here: no link to one.
    await expect(page.getByTestId('inngest-link').count()).resolves.toBe(0);
  });

  it('loads a 10,000-event log quickly and scrolls it smoothly', async (ctx) => {
    if (!bigJobId) return ctx.skip();
    const page = await ownerPage();
    await page.goto(`${app.url}/jobs`);
    await waitForLive(page);
    const longTasks = await page.evaluate(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push(e.duration);
      }).observe({ type: 'longtask' });
      return true;
    });
    expect(longTasks).toBe(true);
    // Done when the log has every event and, following, shows the last one.
    const lastRow = `[data-testid=job-log] [data-event-id="${bigLastEventId}"]`;
    const loaded = await measureRender(
      page,
      '10,000-event log: navigation to all shown',
      async () => {
        await page.getByRole('link', { name: /docs\.example\.com\/handbook/ }).click();
        await page.waitForFunction((n) => document.querySelector('[data-testid=event-count]')?.getAttribute('data-count') === String(n), BIG_LOG, {
          timeout: 60_000,
        });
      },
      lastRow,
    );
    timings.push(loaded);
    await expect(page.locator(lastRow).textContent()).resolves.toMatch(/Completed/);
    const rendered = await page.locator('[data-testid=job-log] [data-event-id]').count();
    expect(rendered).toBeLessThan(100); // virtualised: only what is on screen

    // Scroll from the bottom to the top and back, a screenful per frame, timing each frame.
    const frames = await page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-testid=job-log] [role=log]')!;
      const deltas: number[] = [];
      let last = performance.now();
      const step = el.clientHeight;
      const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
      for (let i = 0; i < 120; i++) {
        el.scrollTop = i < 60 ? el.scrollHeight - el.clientHeight - i * step * 5 : (i - 60) * step * 5;
        await frame();
        const now = performance.now();
        deltas.push(now - last);
        last = now;
      }
      return deltas;
    });
    const f = summarise(frames);
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    figures.push(
      `10,000-event log: all shown ${loaded.ms} ms after the click; scrolling ${f.n} frames: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms; long tasks during load ${long.length} (longest ${Math.round(Math.max(0, ...long))} ms)`,
    );
    // Smoothness is measured by bench/dashboard.ts; a log that renders every row takes seconds a frame, which this catches.
    expect(f.p95).toBeLessThan(250);
    // Rows are there wherever the scroll stopped.
    await expect(page.locator('[data-testid=job-log] [data-event-id]').count()).resolves.toBeGreaterThan(5);
  });

  it('passes axe on the list and a job in both themes, and looks right', async () => {
    for (const theme of THEMES) {
      const page = await ownerPage(theme);
      await page.goto(`${app.url}/jobs`);
      await page.getByTestId('job-row').first().waitFor();
      await expectNoSeriousA11yViolations(page, `jobs (${theme})`);
      await screenshot(page, 'jobs-list', theme);

      const t = await measureRender(
        page,
        `job detail (${theme})`,
        () => page.goto(`${app.url}/jobs/${docsJobId}`),
        '[data-testid=job-log] [data-event-id]',
      );
      timings.push(t);
      await page.locator('[data-testid=job-status][data-status=completed]').first().waitFor();
      await expectNoSeriousA11yViolations(page, `job detail (${theme})`);
      await screenshot(page, 'job-detail', theme);
      if (bigJobId) {
        await page.goto(`${app.url}/jobs/${bigJobId}`);
        await page.waitForFunction((n) => document.querySelector('[data-testid=event-count]')?.getAttribute('data-count') === String(n), BIG_LOG, {
          timeout: 60_000,
        });
        await expectNoSeriousA11yViolations(page, `job detail, 10,000 events (${theme})`);
        await screenshot(page, 'job-detail-big-log', theme);
      }
      await page.context().close();
    }
  });
});
