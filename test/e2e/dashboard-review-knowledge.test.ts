import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, screenshot, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * Regressions from the dashboard review of the knowledge pages, each in
 * Chromium against the built server: search results that outlive their
 * source, a source's settings form left unsaved after a save, a search as
 * long as the box takes failing; a source's pages tab losing its filter
 * and page on Back.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard({ env: { RATE_LIMIT_UPLOAD_PER_MINUTE: '100000' } });
});

afterAll(async () => {
  await app?.close();
});

/** Uploads one Markdown file as a new source and waits for its job; returns the source id. */
async function uploadSource(page: Page, title: string, text: string): Promise<string> {
  const api = trpcAs(page.context(), app.url);
  const job = await api.mutate<{ id: string }>('knowledge.upload', {
    files: [{ name: `${title.toLowerCase().replace(/\W+/g, '-')}.md`, contentBase64: Buffer.from(text).toString('base64') }],
    title,
  });
  const done = await waitFor(
    async () => {
      const j = await api.query('jobs.get', { id: job.id });
      return j.finishedAt ? j : null;
    },
    60_000,
    `upload ${title}`,
  );
  expect(done.status).toBe('completed');
  return done.sourceId as string;
}

const sidebar = (page: Page, href: string) => page.getByRole('navigation', { name: 'Main' }).locator(`a[href="${href}"]`);

describe('knowledge review', () => {
  it('search does not go on showing results from a source the dashboard deleted', async () => {
    const page = await app.signedInPage();
    const sourceId = await uploadSource(
      page,
      'Quuxification notes',
      '# Quuxification\n\nThe quuxification of zorblats is described here in detail.\n',
    );
    await page.goto(`${app.url}/knowledge`);
    await waitForPageReady(page);
    await sidebar(page, '/search').click();
    await page.waitForURL(/\/search/);
    const box = page.getByTestId('search-input');
    await box.fill('quuxification zorblats');
    await box.press('Enter');
    await page.getByTestId('search-result').first().waitFor();
    expect(await page.getByTestId('search-result').count()).toBeGreaterThan(0);

    // Delete it from the sources list, without leaving the app.
    await sidebar(page, '/knowledge').click();
    await page.waitForURL(/\/knowledge$/);
    await page.locator(`[data-testid=source-row][data-source-id="${sourceId}"]`).waitFor();
    await page.getByRole('button', { name: 'Actions for Quuxification notes' }).click();
    await page.getByRole('menuitem', { name: 'Delete…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete source' }).click();
    await page.getByText(/Deleted: /).waitFor();

    // Back to the search: its results must be the server's, which no longer has the source.
    await page.goBack();
    await page.waitForURL(/\/search\?/);
    await page.locator('[data-testid=search-results], [data-testid=results-summary]').first().waitFor();
    await expect.poll(() => page.getByTestId('search-result').count(), { timeout: 5_000 }).toBe(0);
  });

  it('a title saved with spaces around it leaves the settings form clean, and search names the source by its new title', async () => {
    const page = await app.signedInPage();
    const sourceId = await uploadSource(page, 'Spacing notes', '# Spacing\n\nSome text about kerning and spacing.\n');
    await page.goto(`${app.url}/knowledge/sources/${sourceId}?tab=settings`);
    await waitForPageReady(page);
    // A search made before the rename, kept by the app as it navigates.
    await sidebar(page, '/search').click();
    await page.waitForURL(/\/search/);
    await page.getByTestId('search-input').fill('kerning spacing');
    await page.getByTestId('search-input').press('Enter');
    await page.getByTestId('search-result').first().waitFor();
    expect(await page.getByTestId('search-result').first().textContent()).toContain('Spacing notes');
    await page.goBack();
    await page.goBack();
    await page.waitForURL(/tab=settings/);

    const form = page.getByRole('form', { name: 'Source settings' });
    await form.waitFor();
    await form.getByRole('textbox', { name: 'Title' }).fill('Kerning notes ');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Source saved').waitFor();
    await expect.poll(() => form.getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Kerning notes');
    expect(await form.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    expect(await form.getByRole('button', { name: 'Discard' }).isDisabled()).toBe(true);
    await screenshot(page, 'review-source-settings', 'light');

    await page.goForward();
    await page.goForward();
    await page.waitForURL(/\/search\?/);
    await expect.poll(() => page.getByTestId('search-result').first().textContent(), { timeout: 5_000 }).toContain('Kerning notes');
  });

  it('edits a source summary, which the next upload to the source keeps', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const sourceId = await uploadSource(page, 'Ligature notes', '# Ligatures\n\nHow fonts join letters such as fi and fl.\n');
    expect((await api.query('knowledge.source', { id: sourceId })).summary).toMatch(/fonts join letters/);
    await page.goto(`${app.url}/knowledge/sources/${sourceId}?tab=settings`);
    await waitForPageReady(page);
    const form = page.getByRole('form', { name: 'Source settings' });
    const summary = form.getByRole('textbox', { name: 'Summary' });
    await expect.poll(() => summary.inputValue()).toMatch(/fonts join letters/);
    await summary.fill('  Our notes on ligatures, written by hand. ');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Source saved').waitFor();
    await expect.poll(() => summary.inputValue()).toBe('Our notes on ligatures, written by hand.');
    expect(await form.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);

    const job = await api.mutate<{ id: string }>('knowledge.upload', {
      files: [{ name: 'kerning.md', contentBase64: Buffer.from('# Kerning\n\nSpace between letter pairs.\n').toString('base64') }],
      sourceId,
    });
    await waitFor(async () => ((await api.query('jobs.get', { id: job.id })).finishedAt ? true : null), 60_000, 'the second upload');
    expect((await api.query('knowledge.source', { id: sourceId })).summary).toBe('Our notes on ligatures, written by hand.');
    await page.reload();
    await waitForPageReady(page);
    await expect.poll(() => form.getByRole('textbox', { name: 'Summary' }).inputValue()).toBe('Our notes on ligatures, written by hand.');
  });

  it('answers a search as long as the box takes in CJK, instead of Search failed', async () => {
    const page = await app.signedInPage();
    await uploadSource(page, 'Kanji notes', `# 検索\n\n${'検索の説明。'.repeat(20)}\n`);
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/trpc/') && r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${r.url().length} chars`);
    });
    await page.goto(`${app.url}/search`);
    await waitForPageReady(page);
    const box = page.getByTestId('search-input');
    // 2,000 characters, the box's limit: 18 KB once percent-encoded in an address.
    await box.fill('検索'.repeat(1000));
    expect((await box.inputValue()).length).toBe(2000);
    await box.press('Enter');
    await page.locator('[data-testid=search-results], [data-testid=results-summary], main :text("Search failed")').first().waitFor();
    expect(await page.getByText('Search failed').count()).toBe(0);
    expect(refused).toEqual([]);
  });
});

describe("a source's pages tab", () => {
  it('keeps its filter and page when a page is opened and Back is pressed, and after a reload', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const files = Array.from({ length: 55 }, (_, i) => {
      const n = String(i + 1).padStart(2, '0');
      return { name: `ledger-${n}.md`, contentBase64: Buffer.from(`# Ledger entry ${n}\n\nThe ledger entry numbered ${n}.\n`).toString('base64') };
    });
    files.push({ name: 'preface.md', contentBase64: Buffer.from('# Preface\n\nWhat the ledger is for.\n').toString('base64') });
    const job = await api.mutate<{ id: string; sourceId: string }>('knowledge.upload', { files, title: 'Ledger' });
    await waitFor(async () => (await api.query('jobs.get', { id: job.id })).finishedAt, 60_000, 'the ledger upload');

    await page.goto(`${app.url}/knowledge/sources/${job.sourceId}`);
    await waitForPageReady(page);
    const filter = page.getByRole('searchbox', { name: 'Filter pages by title or URL' });
    const pager = page.getByRole('navigation', { name: 'Pages pages' });
    await expect.poll(() => pager.textContent()).toContain('of 56');
    await filter.fill('Ledger entry');
    await expect.poll(() => pager.textContent()).toContain('of 55');
    await page.getByRole('button', { name: 'Next page of pages' }).click();
    await expect.poll(() => page.getByTestId('page-row').count()).toBe(5);
    const rows = () => page.getByTestId('page-row').getByRole('link').allTextContents();
    const shown = await rows();

    await page.getByTestId('page-row').getByRole('link').first().click();
    await page.waitForURL(/\/knowledge\/pages\//);
    await waitForPageReady(page);
    await page.goBack();
    await page.waitForURL(/\/knowledge\/sources\//);
    await expect.poll(rows).toEqual(shown);
    await expect(filter.inputValue()).resolves.toBe('Ledger entry');

    await page.reload();
    await waitForPageReady(page);
    await expect.poll(rows).toEqual(shown);
    await expect(filter.inputValue()).resolves.toBe('Ledger entry');
  });
});
