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
