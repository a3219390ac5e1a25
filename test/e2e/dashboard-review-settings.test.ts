import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';

/**
 * Regressions from the dashboard review of account settings, in Chromium
 * against the built server: an API key's expiry typed past the year 9999;
 * the Create key and Invite dialogs closed and reopened at once.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard();
});

afterAll(async () => {
  await app?.close();
});

describe('creating an API key', () => {
  it('takes no date past the year 9999, or says it is too late rather than before today', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/account/api-keys`);
    await waitForPageReady(page);
    await page.getByRole('button', { name: 'Create key' }).first().click();
    const dialog = page.getByTestId('create-key-dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('far future');
    await dialog.getByRole('combobox', { name: 'Expires' }).click();
    await page.getByRole('option', { name: 'On a date…' }).click();
    const date = dialog.getByLabel('Expiry date');
    await date.click();
    await page.keyboard.press('Home');
    // Month, day, then a six-digit year: Chromium's date field takes years up to 275760.
    await page.keyboard.type('0101100000');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    // Either the field stops at 9999 (its max), or what it holds past that is named as too late.
    const value = await date.inputValue();
    if (/^\d{5,}-/.test(value)) {
      await expect.poll(() => dialog.getByText('Choose a date before the year 10000').count(), { timeout: 5_000 }).toBe(1);
      expect(await dialog.getByText('Choose a date after today').count()).toBe(0);
    } else expect(Number(value.slice(0, 4))).toBeLessThanOrEqual(9999);
    // Nothing was created.
    const keys = await trpcAs(page.context(), app.url).query<{ name: string }[]>('auth.apiKeys.list', {});
    expect(keys.map((k) => k.name)).not.toContain('far future');
  });
});

describe('reopening a dialog at once', () => {
  /** Every dialog title shown from now on, in order ('' while none is open), so one that flashes for a frame is not missed. */
  const recordTitles = (page: Page) =>
    page.evaluate(() => {
      const w = window as unknown as { __titles: string[] };
      w.__titles = [];
      const note = () => {
        const t = document.querySelector('[role=dialog] h2')?.textContent ?? '';
        if (w.__titles.at(-1) !== t) w.__titles.push(t);
      };
      note();
      new MutationObserver(note).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  /**
   * Closes the open dialog with Escape, reopens it with the button named `opener` and types `text` into the
   * field labelled `label`, all in one go in the page: as a quick person does, well within 200 ms.
   */
  const closeReopenAndType = (page: Page, opener: string, label: string, text: string) =>
    page.evaluate(
      async ({ opener, label, text }) => {
        document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
        await new Promise(requestAnimationFrame);
        const button = [...document.querySelectorAll('main button')].find((b) => b.textContent?.trim() === opener) as HTMLButtonElement;
        button.click();
        let input: HTMLInputElement | null = null;
        while (!input) {
          await new Promise(requestAnimationFrame);
          const id = [...document.querySelectorAll('[role=dialog] label')].find((l) => l.textContent?.trim().startsWith(label))?.getAttribute('for');
          input = id ? (document.getElementById(id) as HTMLInputElement | null) : null;
        }
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        setValue.call(input, text);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      },
      { opener, label, text },
    );
  const titles = (page: Page) => page.evaluate(() => (window as unknown as { __titles: string[] }).__titles);

  it('keeps what is typed into the Create key dialog, and never shows the last key again', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/account/api-keys`);
    await waitForPageReady(page);
    const dialog = page.getByTestId('create-key-dialog');
    const name = dialog.getByRole('textbox', { name: 'Name' });

    // A key created, then Done and Create key again straight away (by keyboard, as fast as a person):
    // the new form, with no flash of the secret.
    await page.getByRole('button', { name: 'Create key' }).first().click();
    await name.fill('first key');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByRole('heading', { name: 'Copy your new key' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).focus();
    await recordTitles(page);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Create key');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.waitForTimeout(400);
    expect(await titles(page)).toEqual(['Copy your new key', '', 'Create an API key']);
    await expect(name.inputValue()).resolves.toBe('');

    // Cancelled and reopened at once: what is typed next stays.
    await name.fill('abandoned');
    await closeReopenAndType(page, 'Create key', 'Name', 'second key');
    await expect(name.inputValue()).resolves.toBe('second key');
    await page.waitForTimeout(400);
    await expect(name.inputValue()).resolves.toBe('second key');
  });

  it('keeps what is typed into the Invite dialog', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/settings/users`);
    await waitForPageReady(page);
    const dialog = page.getByTestId('invite-dialog');
    const email = dialog.getByRole('textbox', { name: 'Email' });
    await page.getByRole('button', { name: 'Invite' }).click();
    await email.fill('first@example.com');
    await closeReopenAndType(page, 'Invite', 'Email', 'second@example.com');
    await expect(email.inputValue()).resolves.toBe('second@example.com');
    await page.waitForTimeout(400);
    await expect(email.inputValue()).resolves.toBe('second@example.com');
  });
});
