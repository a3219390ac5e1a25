import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appliedTheme,
  controlLiveSocket,
  type Dashboard,
  expectNoSeriousA11yViolations,
  measureRender,
  pageTimings,
  type RenderTiming,
  recordConnectionStates,
  screenshot,
  setTheme,
  signInWithForm,
  startDashboard,
  THEMES,
  trpcAs,
  waitForLive,
  waitForPageReady,
} from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * The dashboard shell in Chromium against the built server: owner setup,
 * sign-in and sign-out, keyboard navigation, the theme, the live connection
 * indicator, and axe plus screenshots on every shell page in both themes.
 */

const OWNER = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'analytical engine notes' };

/** Every section of the shell: URL, the h1 it shows, and its `g` shortcut. */
const SECTIONS = [
  { path: '/knowledge', title: 'Knowledge', key: 'k' },
  { path: '/search', title: 'Search', key: 's' },
  { path: '/projects', title: 'Projects', key: 'p' },
  { path: '/jobs', title: 'Jobs', key: 'j' },
  { path: '/settings', title: 'Settings', key: ',' },
  { path: '/connect', title: 'MCP', key: 'm' },
  { path: '/account', title: 'Account', key: 'a' },
  { path: '/account/api-keys', title: 'API keys', key: 'i' },
];

const MARKDOWN = `# Getting started with widgets

Widgets turn **plain data** into something people can _see_. This page covers installing, configuring and [the API](https://example.com/api).

## Install

\`\`\`bash
npm install @acme/widgets
\`\`\`

Then import it where you need it:

\`\`\`ts
import { Widget } from '@acme/widgets';
const w = new Widget({ size: 'md' });
\`\`\`

## Options

| Option | Type | Default |
| --- | --- | --- |
| \`size\` | \`'sm' \\| 'md'\` | \`'md'\` |
| \`live\` | \`boolean\` | \`false\` |

> Widgets render on the server too; \`live\` only matters in the browser.

- Small and fast
- Accessible by default
- Themeable with CSS variables
`;

let app: Dashboard;
let viewerPath = '';
const timings: RenderTiming[] = [];

beforeAll(async () => {
  app = await startDashboard({ owner: false });
});
afterAll(async () => {
  if (timings.length) console.log(`render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(34)} ${t.ms}`).join('\n')}`);
  await app?.close();
});

const h1 = (page: Page) => page.locator('main h1').first();

async function signedIn(theme: 'light' | 'dark' = 'light', viewport?: { width: number; height: number }, fresh = false) {
  // The first test creates the owner through the form; when it is filtered out (-t), the API does.
  await fetch(`${app.url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OWNER) });
  return app.signedInPage({ theme, viewport, email: OWNER.email, password: OWNER.password, fresh });
}

describe('dashboard shell', () => {
  it('sets up the owner; afterwards the shell shows who is signed in', async () => {
    for (const theme of THEMES) {
      const page = await (await app.newContext({ theme })).newPage();
      await page.goto(app.url);
      expect(new URL(page.url()).pathname).toBe('/setup');
      await expectNoSeriousA11yViolations(page, `setup (${theme})`);
      await screenshot(page, 'setup', theme);
    }

    const context = await app.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/knowledge`);
    expect(new URL(page.url()).pathname).toBe('/setup');
    // A weak password is refused under its field, with focus moved there, and nothing is created.
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill('aaaaaaaaaaaa');
    await page.getByRole('button', { name: 'Create the owner account' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
    await expect(page.locator('#' + (await password.getAttribute('aria-describedby'))!.split(' ')[0]).textContent()).resolves.toMatch(/password/i);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');

    await page.getByLabel('Name').fill(OWNER.name);
    await password.fill(OWNER.password);
    await page.getByRole('button', { name: 'Create the owner account' }).click();
    await page.waitForURL(`${app.url}/knowledge`);
    await expect(h1(page).textContent()).resolves.toBe('Knowledge');
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe(OWNER.name);
    await expect(page.getByText('Sign in', { exact: true }).count()).resolves.toBe(0);
    await waitForLive(page);
    // Setup is closed now.
    await page.goto(`${app.url}/setup`);
    expect(new URL(page.url()).pathname).toBe('/knowledge');
    await context.close();
  });

  it('signs out, refuses a wrong password inline, and signs back in', async () => {
    const page = await signedIn('light', undefined, true);
    const context = page.context();
    await page.goto(`${app.url}/jobs`);
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/login`);
    expect((await context.cookies()).find((c) => c.name === 'archon_session')).toBeUndefined();
    // The session is over on the server too: the dashboard sends this browser to sign in.
    await page.goto(`${app.url}/settings`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await signInWithForm(page, { email: OWNER.email, password: 'not the password at all' });
    const alert = page.locator('form [role=alert]');
    await expect(alert.textContent()).resolves.toMatch(/Wrong email or password/);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    for (const theme of THEMES) {
      await setTheme(page, theme, 'system');
      await expectNoSeriousA11yViolations(page, `login with an error (${theme})`);
      await screenshot(page, 'login-wrong-password', theme);
    }

    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/knowledge`);
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe(OWNER.name);
    // Signed in, /login moves on instead of asking again.
    await page.goto(`${app.url}/login`);
    expect(new URL(page.url()).pathname).toBe('/knowledge');
  });

  it('reaches every section by keyboard, with focus always visible', async () => {
    const page = await signedIn();
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);

    // The first Tab lands on the skip link, which moves focus to the page's main content.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Tab through the sidebar to a section and follow it; the focused link shows a 2 px ring.
    await page.goto(`${app.url}/knowledge`);
    let focused = '';
    for (let i = 0; i < 12 && !focused.startsWith('Jobs'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).toMatch(/^Jobs/);
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/jobs`);
    await expect(page.locator('[aria-current=page]').first().textContent()).resolves.toMatch(/Jobs/);

    // `g` then a letter reaches every section, the account pages included.
    for (const s of SECTIONS) {
      await page.locator('body').press('g');
      await page.locator('body').press(s.key);
      await page.waitForURL(`${app.url}${s.path}`);
      await expect.poll(() => h1(page).textContent()).toBe(s.title);
    }

    // The user menu works from the keyboard.
    await page.goto(`${app.url}/jobs`);
    await page.getByTestId('user-menu').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    // Opened from the keyboard, the menu focuses its first item; arrows move, Enter follows.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/Account/);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/API keys/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/account/api-keys`);

    // `?` lists the shortcuts in a dialog that Escape closes, giving focus back.
    await page.locator('body').press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    await expectNoSeriousA11yViolations(page, 'the shortcuts dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('follows the system theme until the toggle picks one, which persists', async () => {
    const page = await signedIn('dark');
    await page.goto(`${app.url}/knowledge`);
    await expect(appliedTheme(page)).resolves.toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => appliedTheme(page)).toBe('light');

    await setTheme(page, 'dark', 'toggle');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect(appliedTheme(page)).resolves.toBe('dark');
    await expectNoSeriousA11yViolations(page, 'knowledge after choosing dark');
    // Another tab of the same browser keeps the choice.
    const other = await page.context().newPage();
    await other.emulateMedia({ colorScheme: 'light' });
    await other.goto(`${app.url}/jobs`);
    await expect(appliedTheme(other)).resolves.toBe('dark');

    await setTheme(page, 'light', 'toggle');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect(appliedTheme(page)).resolves.toBe('light');
    await expectNoSeriousA11yViolations(page, 'knowledge after choosing light');

    // Back to System: the page follows the colour scheme again.
    await setTheme(page, 'system', 'toggle');
    await expect.poll(() => appliedTheme(page)).toBe('dark');
    expect(await page.evaluate(() => localStorage.getItem('theme'))).toBe('system');
  });

  it('shows reconnecting while the live connection is down, then reconnected', async () => {
    const page = await signedIn();
    const live = await controlLiveSocket(page, app.server);
    await page.goto(`${app.url}/jobs`);
    await waitForLive(page);
    const states = await recordConnectionStates(page);

    // A dropped connection comes straight back.
    await live.drop();
    // Reconnected stays up 3 s, then connected. On a loaded CI machine the new socket was seen to drop and come back
    // a few times before it held (reconnecting and reconnected in turn): each step must still be one of these.
    await expect
      .poll(
        async () => {
          const s = await states();
          return s.length >= 4 && s.at(-1) === 'connected';
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const seen = (await states()).join();
    expect(seen).toMatch(/^connected,reconnecting,reconnected(,reconnecting,reconnected)*,connected$/);
    expect(live.connections()).toBeGreaterThanOrEqual(2);

    // An outage: reconnecting for as long as it lasts, then reconnected, briefly, then live.
    const during = await recordConnectionStates(page);
    try {
      await live.block();
      await page.locator('[data-testid=connection-indicator][data-state=reconnecting]').waitFor();
      await page.waitForTimeout(1_500);
      expect(await during()).toEqual(['connected', 'reconnecting']);
      await screenshot(page, 'connection-reconnecting', 'light', { allowLoading: true });
    } finally {
      live.allow();
    }
    await page.locator('[data-testid=connection-indicator][data-state=reconnected]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('connection-indicator').textContent()).resolves.toBe('Reconnected');
    await waitForLive(page);
    expect(await during()).toEqual(['connected', 'reconnecting', 'reconnected', 'connected']);
  });

  // Every section, twice (both themes), each with axe and a screenshot: minutes on a loaded 2-core machine.
  it('has no serious axe findings on any shell page, in both themes, and saves their screenshots', async () => {
    const seed = await signedIn();
    viewerPath = await seedPage(seed.context());
    for (const theme of THEMES) {
      const page = await signedIn(theme);
      for (const s of [...SECTIONS, { path: viewerPath, title: 'Getting started with widgets', key: '' }]) {
        const t = await measureRender(page, `${s.path} (${theme})`, () => page.goto(`${app.url}${s.path}`), 'main h1');
        timings.push(t);
        await waitForPageReady(page);
        await expect(h1(page).textContent()).resolves.toBe(s.title);
        await expectNoSeriousA11yViolations(page, `${s.path} (${theme})`);
        await screenshot(page, s.path === viewerPath ? 'page-viewer' : s.path.slice(1).replace(/\//g, '-'), theme);
      }
      const nav = await pageTimings(page);
      timings.push({ what: `viewer first paint (${theme})`, ms: nav.fcp ?? -1 });

      // Menus and dialogs are portalled: checked while open.
      await page.goto(`${app.url}/knowledge`);
      await waitForLive(page);
      await page.getByTestId('user-menu').click();
      await page.getByRole('menu').waitFor();
      await expectNoSeriousA11yViolations(page, `the user menu (${theme})`);
      await screenshot(page, 'user-menu', theme);
      await page.keyboard.press('Escape');
      await page.getByTestId('theme-toggle').click();
      await page.getByRole('menu').waitFor();
      await expectNoSeriousA11yViolations(page, `the theme menu (${theme})`);
      await page.keyboard.press('Escape');

      // Narrow screens: the sidebar is a sheet behind a menu button.
      const mobile = await signedIn(theme, { width: 390, height: 844 });
      await mobile.goto(`${app.url}/knowledge`);
      await expect(mobile.locator('aside').isVisible()).resolves.toBe(false);
      await expectNoSeriousA11yViolations(mobile, `knowledge on a phone (${theme})`);
      await screenshot(mobile, 'mobile-knowledge', theme);
      await mobile.getByRole('button', { name: 'Open navigation' }).click();
      const sheet = mobile.getByRole('dialog', { name: 'Navigation' });
      await sheet.waitFor();
      await expectNoSeriousA11yViolations(mobile, `the navigation sheet (${theme})`);
      await screenshot(mobile, 'mobile-navigation', theme);
      await sheet.getByRole('link', { name: /Jobs/ }).click();
      await mobile.waitForURL(`${app.url}/jobs`);
      await sheet.waitFor({ state: 'hidden' });
    }
  }, 240_000);

  it('keeps the page viewer safe and its URL, and asks strangers to sign in', async () => {
    expect(viewerPath).toMatch(/^\/knowledge\/pages\/[0-9a-f-]{36}$/);
    const anonymous = await (await app.newContext()).newPage();
    await anonymous.goto(`${app.url}${viewerPath}`);
    expect(new URL(anonymous.url()).pathname).toBe('/login');
    for (const theme of THEMES) {
      const login = await (await app.newContext({ theme })).newPage();
      await login.goto(`${app.url}/login`);
      await expectNoSeriousA11yViolations(login, `login (${theme})`);
      await screenshot(login, 'login', theme);
    }
    const page = await signedIn();
    const missing = await page.goto(`${app.url}/knowledge/pages/00000000-0000-4000-8000-000000000000`);
    expect(missing?.status()).toBe(404);
    await page.screenshot({ path: 'test-artifacts/debug-404.png' });
    await expect(page.getByRole('heading', { name: 'Not found' }).isVisible()).resolves.toBe(true);
  });
});

/** Uploads one Markdown file as the signed-in owner, waits for the job, and returns its page's viewer path. */
async function seedPage(context: BrowserContext): Promise<string> {
  const api = trpcAs(context, app.url);
  const job = await api.mutate<{ id: string }>('knowledge.upload', {
    files: [{ name: 'widgets.md', contentBase64: Buffer.from(MARKDOWN).toString('base64') }],
  });
  const done = await waitFor(
    async () => {
      const j = await api.query<{ status: string; sourceId: string | null }>('jobs.get', { id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    'the upload job',
  );
  expect(done.status).toBe('completed');
  const pages = await api.query<{ items: { id: string }[] }>('knowledge.listPages', { sourceId: done.sourceId });
  return `/knowledge/pages/${pages.items[0]!.id}`;
}
