import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocsSite } from '../fixtures/docs-site';
import {
  controlLiveSocket,
  type Dashboard,
  expectNoSeriousA11yViolations,
  screenshot,
  summarise,
  THEMES,
  type Theme,
  waitForLive,
  waitForPageReady,
} from '../helpers/dashboard';
import {
  chooseOption,
  guard,
  knowledgeKit,
  openAddDialog,
  recordEventFrames,
  recordEventRenders,
  recordProgress,
  row,
  startKnowledgeDashboard,
} from '../helpers/knowledge';
import { waitFor } from '../helpers/wait';

/**
 * Crawling in the Knowledge section, in Chromium against the built server:
 * the guide on an empty knowledge base, bad crawl options refused, a crawl
 * from the dialog with live progress to the end, cancelling a crawl midway, a
 * reload and a dropped WebSocket catching up without a gap, a viewer without
 * write actions, axe and screenshots in both themes. Uploads, editing and the
 * list of sources are in dashboard-knowledge-sources.test.ts. Timed targets
 * (live latency, 1,000 sources, Lighthouse) are in bench/dashboard.ts.
 */

let app: Dashboard;
let site: DocsSite;
const sources: Record<'slow', string> = { slow: '' };

beforeAll(async () => {
  ({ app, site } = await startKnowledgeDashboard());
});
afterAll(async () => {
  await app?.close();
  await site?.close();
});

const { api, settled, serverEvents } = knowledgeKit(() => app);

describe('knowledge', () => {
  it('shows the guide to a first source on an empty knowledge base, in both themes', async () => {
    for (const theme of THEMES) {
      const page = await app.signedInPage({ theme });
      await page.goto(`${app.url}/knowledge`);
      await page.getByRole('heading', { name: 'No knowledge yet' }).waitFor();
      await expect(page.getByRole('button', { name: 'Crawl a site' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Upload files' }).isVisible()).resolves.toBe(true);
      await expectNoSeriousA11yViolations(page, `empty knowledge (${theme})`);
      await screenshot(page, 'knowledge-empty', theme);
    }
  });

  it('refuses bad crawl options under the fields they are about', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge?add=crawl`);
    const dialog = page.getByRole('dialog', { name: 'Add knowledge' }).getByRole('form', { name: 'Crawl a website' });
    await dialog.waitFor();
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill('ftp://example.com/docs');
    await dialog.getByLabel('Max depth').fill('0');
    await dialog.getByText('Advanced options').click();
    await dialog.getByLabel('Concurrency').fill('99');
    await dialog.getByLabel('Include').fill('/docs/**\n' + 'x'.repeat(501));
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    const errorOf = async (label: string) => {
      // A required field's label ends with an asterisk (hidden from screen readers).
      const input = dialog.getByLabel(new RegExp(`^${label}\\*?$`));
      await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
      const ids = (await input.getAttribute('aria-describedby'))!.split(' ');
      return dialog.locator(`#${ids[0]}`).textContent();
    };
    expect(await errorOf('URL')).toMatch(/http:\/\/ or https:\/\//);
    expect(await errorOf('Max depth')).toMatch(/1/);
    expect(await errorOf('Concurrency')).toMatch(/32/);
    expect(await errorOf('Include')).toMatch(/^Line 2: /);
    // Nothing was created.
    expect((await api(page).query('knowledge.sources')).total).toBe(0);
    await page.close();
  });

  it('crawls a site from the dialog and shows its progress live until it completes', async () => {
    const page = await app.signedInPage();
    guard(page);
    const received = recordEventFrames(page);
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);
    const dialog = await openAddDialog(page);
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(`${site.url}/slowdocs/0`);
    await dialog.getByLabel('Max depth').fill('30');
    await dialog.getByLabel('Tags').fill('slow');
    await dialog.getByLabel('Tags').press('Enter');
    await dialog.getByText('Advanced options').click();
    await chooseOption(page, 'Mode', 'Follow links');
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByLabel('Delay (ms)').fill('100');
    const progress = await recordProgress(page);
    const rendered = await recordEventRenders(page);
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    const live = page.locator('[data-testid=job-progress]');
    await live.waitFor({ timeout: 15_000 });
    const jobId = (await live.getAttribute('data-job-id'))!;
    const job = await api(page).query('jobs.get', { id: jobId });
    sources.slow = job.sourceId;
    // Mid-crawl: a screenshot of a live row, in both themes (the dark one from a second tab watching the same job).
    await waitFor(async () => Number(await live.getAttribute('data-done')) >= 5, 30_000, 'five pages');
    await screenshot(page, 'knowledge-crawling', 'light');
    const dark = await app.signedInPage({ theme: 'dark' });
    await dark.goto(`${app.url}/knowledge`);
    await dark.locator('[data-testid=job-progress]').waitFor();
    await screenshot(dark, 'knowledge-crawling', 'dark');
    await dark.close();

    await live.waitFor({ state: 'detached', timeout: 60_000 });
    const seen = await progress();
    const done = seen.map((p) => p.done);
    // Live: the row went through many intermediate counts, never backwards, up to every page.
    expect(new Set(done).size).toBeGreaterThanOrEqual(5);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(Math.max(...done)).toBeGreaterThanOrEqual(29);
    expect(seen.some((p) => p.status === 'running')).toBe(true);
    const finished = await settled(page, jobId);
    expect(finished.status).toBe('completed');
    // Live latency: from an event's row being written to the frame that shows it on the source's row.
    const written = new Map((await serverEvents(jobId)).map((e) => [e.id, e.at]));
    const shown = (await rendered()).filter(([id]) => written.has(id));
    // Events written before the row's stream started (the job's first status, while the crawl was being created) arrive as
    // replayed history, not live: only those written after the first one shown count.
    const since = Math.min(...shown.map(([, at]) => at));
    const latencies = shown.filter(([id]) => written.get(id)! > since).map(([id, at]) => Math.max(0, at - written.get(id)!));
    const stats = summarise(latencies);
    // Where the time goes: written → frame received (server and network), received → on screen (the page).
    const arrived = shown.filter(([id]) => written.get(id)! > since && received.has(id));
    const server = summarise(arrived.map(([id]) => received.get(id)! - written.get(id)!));
    const client = summarise(arrived.map(([id, at]) => at - received.get(id)!));
    const ms = (n: number) => `${Math.round(n)} ms`;
    console.log(
      `job event → rendered on the sources list: n=${stats.n} p50=${ms(stats.p50)} p95=${ms(stats.p95)} max=${ms(stats.max)}; ` +
        `written → received p50=${ms(server.p50)} p95=${ms(server.p95)}; received → rendered p50=${ms(client.p50)} p95=${ms(client.p95)}`,
    );
    expect(stats.n).toBeGreaterThanOrEqual(8);
    // The 100 ms target is measured by bench/dashboard.ts on a quiet machine. Here, beside other suites on two shared cores
    // (70 ms alone, 500 ms beside them), the bounds only catch a stream that stalls or polls; the figures are printed.
    expect(client.p95).toBeLessThan(500);
    expect(stats.p95).toBeLessThan(1_500);
    await expect
      .poll(() => row(page, sources.slow).locator('[data-col=pages]').textContent(), { timeout: 10_000 })
      .toBe(String(finished.pagesFetched));
    await page.getByText('Crawl finished').waitFor();
    await row(page, sources.slow).getByText('Embedded', { exact: true }).waitFor();
    await page.close();
  });

  it('cancels a second crawl midway from its row', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);
    const dialog = await openAddDialog(page);
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(`${site.url}/slowdocs/1`);
    await dialog.getByLabel('Max depth').fill('30');
    await dialog.getByText('Advanced options').click();
    await chooseOption(page, 'Mode', 'Follow links');
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByLabel('Delay (ms)').fill('400');
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    const live = page.locator('[data-testid=job-progress]');
    await live.waitFor({ timeout: 15_000 });
    const jobId = (await live.getAttribute('data-job-id'))!;
    await waitFor(async () => Number(await live.getAttribute('data-done')) >= 3, 30_000, 'three pages');
    await live.getByRole('button', { name: 'Cancel the crawl' }).click();
    await live.waitFor({ state: 'detached', timeout: 15_000 });
    const job = await settled(page, jobId);
    expect(job.status).toBe('cancelled');
    expect(job.pagesFetched).toBeGreaterThanOrEqual(3);
    expect(job.pagesFetched).toBeLessThan(25);
    // The pages it had stored stay, each counted: a batch storing when the cancel landed either committed first and was
    // counted, or stored nothing (issue 18: a loaded CI machine once showed 6 pages stored, 4 counted).
    const source = await api(page).query('knowledge.source', { id: job.sourceId });
    expect(source.pageCount).toBe(job.pagesFetched);
    await page.close();
  });

  it('keeps a job’s progress across a reload and a dropped WebSocket, with no event missing', async () => {
    const page = await app.signedInPage();
    const socket = await controlLiveSocket(page, app.server);
    const job = await api(page).mutate('knowledge.crawl', {
      url: `${site.url}/slowdocs/2`,
      mode: 'recursive',
      maxDepth: 30,
      concurrency: 1,
      delayMs: 200,
    });
    await page.goto(`${app.url}/knowledge/sources/${job.sourceId}`);
    const panel = page.locator(`[data-testid=job-progress][data-job-id="${job.id}"]`);
    await panel.waitFor();
    await waitFor(async () => Number(await panel.getAttribute('data-done')) >= 3, 30_000, 'three pages');
    // A reload replays the job from its first event.
    await page.reload();
    await panel.waitFor();
    await waitFor(async () => Number(await panel.getAttribute('data-done')) >= 6, 30_000, 'six pages');
    await screenshot(page, 'knowledge-source-crawling', 'light');
    const before = Number(await panel.getAttribute('data-event-count'));
    const connections = socket.connections();
    await socket.drop();
    await waitFor(() => socket.connections() > connections, 15_000, 'a new connection');
    await panel.locator('xpath=self::*[@data-status="completed"]').waitFor({ timeout: 60_000 });
    const ids = await serverEvents(job.id);
    expect(Number(await panel.getAttribute('data-event-count'))).toBeGreaterThan(before);
    // Every event the server has for the job reached the page once: same count, same last id.
    expect(Number(await panel.getAttribute('data-event-count'))).toBe(ids.length);
    expect(Number(await panel.getAttribute('data-last-event-id'))).toBe(ids.at(-1)!.id);
    expect(Number(await panel.getAttribute('data-done'))).toBe((await settled(page, job.id)).pagesFetched);
    await page.close();
  });

  it('shows a viewer everything but no write action', async () => {
    const owner = await app.signedInPage();
    const { token } = await api(owner).mutate('users.invite', { email: 'viewer@archon.test', role: 'viewer' });
    const joined = await fetch(`${app.url}/api/auth/accept-invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ token, name: 'Vera Viewer', password: 'viewer pass phrase 42' }),
    });
    expect(joined.status).toBe(201);
    // A running job, so its cancel button is also checked.
    const running = await api(owner).mutate('knowledge.crawl', {
      url: `${site.url}/slowdocs/3`,
      mode: 'recursive',
      maxDepth: 30,
      concurrency: 1,
      delayMs: 300,
    });
    const page = await app.signedInPage({ email: 'viewer@archon.test', password: 'viewer pass phrase 42' });
    await page.goto(`${app.url}/knowledge?add=crawl`);
    await row(page, sources.slow).waitFor();
    await page.locator(`[data-testid=job-progress][data-job-id="${running.id}"]`).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByTestId('add-knowledge').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    await page.getByRole('button', { name: `Actions for ${(await api(owner).query('knowledge.source', { id: sources.slow })).title}` }).click();
    const items = await page.getByRole('menuitem').allTextContents();
    expect(items.map((t) => t.trim())).toEqual(['Open', 'Export archive']);
    await page.keyboard.press('Escape');

    await page.goto(`${app.url}/knowledge/sources/${sources.slow}?tab=settings`);
    await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Refresh now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Title', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByTestId('export-source').count()).toBe(1);
    await expectNoSeriousA11yViolations(page, 'source settings as a viewer');
    await api(owner).mutate('jobs.cancel', { id: running.id });
    await page.close();
    await owner.close();
  });

  it('passes axe and is screenshotted in both themes: the list, each tab of the dialog, a source', async () => {
    for (const theme of THEMES as Theme[]) {
      const page = await app.signedInPage({ theme });
      await page.goto(`${app.url}/knowledge`);
      await row(page, sources.slow).waitFor();
      await waitForPageReady(page);
      await waitForLive(page);
      await expectNoSeriousA11yViolations(page, `knowledge list (${theme})`);
      await screenshot(page, 'knowledge-list', theme);

      for (const [tab, name] of [
        ['Crawl a site', 'crawl'],
        ['Upload files', 'upload'],
        ['Import archive', 'import'],
      ] as const) {
        const form = await openAddDialog(page, tab);
        if (tab === 'Crawl a site') await form.getByText('Advanced options').click();
        await expectNoSeriousA11yViolations(page, `add dialog, ${name} (${theme})`);
        await screenshot(page, `knowledge-add-${name}`, theme);
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'detached' });
      }

      await page.goto(`${app.url}/knowledge/sources/${sources.slow}`);
      await page.getByTestId('page-row').first().waitFor();
      await expectNoSeriousA11yViolations(page, `source detail (${theme})`);
      await screenshot(page, 'knowledge-source', theme);
      await page.getByRole('tab', { name: /Chunks/ }).click();
      await page.getByTestId('chunk').first().waitFor();
      await expectNoSeriousA11yViolations(page, `source chunks (${theme})`);
      await screenshot(page, 'knowledge-source-chunks', theme);
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
      await expectNoSeriousA11yViolations(page, `source settings (${theme})`);
      await screenshot(page, 'knowledge-source-settings', theme);
      await page.close();
    }
  });
});
