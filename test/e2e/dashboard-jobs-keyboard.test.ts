import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { htmlLinks, htmlPage, type LoopbackSite, serveLoopback } from '../helpers/loopback-site';

/**
 * Regressions from the seventh dashboard review of the Jobs pages, in
 * Chromium against the built server: a crawl kept busy by a slow site.
 */

let app: Dashboard;
let site: LoopbackSite;

beforeAll(async () => {
  // Thirty pages answering in two seconds each: a crawl that stays running while the test cancels it.
  site = await serveLoopback((req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = new URL(req.url ?? '/', 'http://site').pathname;
    const body =
      p === '/slow/'
        ? htmlPage('Slow index', htmlLinks(...Array.from({ length: 30 }, (_, i) => `/slow/p${i}`)))
        : htmlPage(`Slow ${p}`, 'A slow page.');
    setTimeout(
      () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(body);
      },
      p === '/slow/' ? 0 : 2_000,
    );
  });
  app = await startDashboard({ env: { CRAWL_ALLOWED_HOSTS: site.host } });
});

afterAll(async () => {
  await app?.close();
  await site?.close();
});

describe('cancelling a job by keyboard', () => {
  it('from its row in the list leaves focus in the page, though the cancel button goes with the job running', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const job = await api.mutate<{ id: string }>('knowledge.crawl', { url: `${site.base}/slow/`, maxDepth: 2, concurrency: 1 });
    await page.goto(`${app.url}/jobs`);
    await waitForPageReady(page);
    const rowEl = page.locator(`[data-testid=job-row][data-job-id="${job.id}"]`);
    const cancel = rowEl.getByTestId('cancel-job');
    await cancel.waitFor();
    await cancel.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Cancel job' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => cancel.count()).toBe(0);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.activeElement !== document.body && Boolean(document.activeElement?.closest('main')))).toBe(true);
    await expect.poll(async () => (await api.query('jobs.get', { id: job.id })).status, { timeout: 15_000 }).toBe('cancelled');
  });
});
