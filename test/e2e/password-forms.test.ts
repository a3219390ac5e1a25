import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../helpers/dashboard';

/**
 * A password form must never be sent by the browser itself: before React runs
 * (a slow script, a click during hydration), a plain <form> submits as a GET
 * and the password lands in the URL, the history and the server's logs.
 */

let app: Dashboard;
beforeAll(async () => {
  app = await startDashboard({ owner: false });
});
afterAll(async () => {
  await app?.close();
});

it('keeps the password out of the URL when the page has no script yet', async () => {
  const context = await app.browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${app.url}/setup`);
    const button = page.getByRole('button', { name: 'Create the owner account' });
    await expect(button.isDisabled()).resolves.toBe(true);
    await expect(page.locator('form').getAttribute('method')).resolves.toBe('post');
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password', { exact: true }).fill('a secret password 1');
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.waitForTimeout(500);
    expect(page.url()).not.toContain('secret');
    expect(new URL(page.url()).search).toBe('');
  } finally {
    await context.close();
  }
});

it('enables the button once the page runs', async () => {
  const page = await (await app.newContext()).newPage();
  await page.goto(`${app.url}/setup`);
  await expect.poll(() => page.getByRole('button', { name: 'Create the owner account' }).isEnabled(), { timeout: 30_000 }).toBe(true);
});
