import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, type Dashboard, startDashboard, waitForPageReady } from '../helpers/dashboard';

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
