import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, type Dashboard, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';

/**
 * Regressions from the seventh dashboard review of the settings pages, in
 * Chromium against the built server.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard();
});

afterAll(async () => {
  await app?.close();
});

describe('tables at phone width', () => {
  for (const path of ['/settings/users', '/settings/audit']) {
    it(`${path}: a table that scrolls sideways can be scrolled by keyboard`, async () => {
      const page = await app.signedInPage({ viewport: { width: 360, height: 740 } });
      await page.goto(`${app.url}${path}`);
      await waitForPageReady(page);
      const table = page.locator('main table').first();
      await table.waitFor();
      // The table is wider than the phone: its container scrolls sideways.
      const box = table.locator('xpath=..');
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      const report = await checkA11y(page);
      expect(report.serious.filter((s) => s.includes('scrollable-region-focusable'))).toEqual([]);

      // Tab reaches the scrolling table, and the arrow keys move it.
      await box.focus();
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => box.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    });
  }
});

describe('the audit log', () => {
  it('takes the last day the date field offers as the end of the range, instead of failing with Check the input', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/settings/audit`);
    await waitForPageReady(page);
    await page.getByTestId('audit-log').waitFor();
    const rows = await page.getByTestId('audit-log').locator('tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    // Everything up to the end of time: the day after it (the bound sent) is past what the server keeps.
    await page.getByLabel('To').fill('9999-12-31');
    await page.waitForTimeout(1_000);
    expect(await page.getByText('Check the input').count()).toBe(0);
    await page.getByTestId('audit-log').waitFor();
    expect(await page.getByTestId('audit-log').locator('tbody tr').count()).toBe(rows);
    // And from the first day there is.
    await page.getByLabel('From').fill('0001-01-01');
    await page.waitForTimeout(1_000);
    expect(await page.getByText('Check the input').count()).toBe(0);
    expect(await page.getByTestId('audit-log').locator('tbody tr').count()).toBe(rows);
  });
});

describe('closing a dialog', () => {
  const focused = (page: import('playwright-core').Page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return !el || el === document.body ? 'body' : (el.textContent ?? '').trim();
    });

  it('gives focus back to the button that opened it: Create key', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/account/api-keys`);
    await waitForPageReady(page);
    const open = page.getByRole('button', { name: 'Create key' }).first();
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('create-key-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('Create key');
  });

  it('gives focus back to the button that opened it: Add knowledge', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    await api.mutate('knowledge.upload', {
      files: [{ name: 'note.md', contentBase64: Buffer.from('# Note\n\nA note.\n').toString('base64') }],
      title: 'A note',
    });
    await page.goto(`${app.url}/knowledge`);
    await waitForPageReady(page);
    const open = page.getByTestId('add-knowledge');
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('add-knowledge-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('Add knowledge');
  });
});
