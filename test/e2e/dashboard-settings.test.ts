import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../server/mcp/server';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import {
  type Dashboard,
  expectNoSeriousA11yViolations,
  screenshot,
  startDashboard,
  THEMES,
  type Theme,
  trpcAs,
  waitForPageReady,
} from '../helpers/dashboard';
import { TEST_OWNER } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Settings, account and MCP pages in Chromium against the built server: an
 * API key created in the UI, used by a tRPC client and revoked; an invitation
 * accepted in a second browser and what a viewer is not offered; a role
 * change; the provider connection test against a fake OpenAI server; the MCP
 * page's snippets and endpoint check; axe and screenshots in both themes.
 */

const KEY_SHAPE = /^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
const VIEWER = { name: 'Vera Viewer', email: 'vera@example.com', password: 'a viewer pass phrase' };
const PROVIDER_KEY = 'sk-test-provider-0123456789wxyz';

let app: Dashboard;
let fake: FakeOpenAI;
let viewerPage: Page;

beforeAll(async () => {
  [app, fake] = await Promise.all([startDashboard(), startFakeOpenAI({ dimensions: 64 })]);
  // Something to search, embedded by the offline embedder, so a provider change has something to re-embed.
  const { client } = createArchonClient(app.url);
  const job = await client.knowledge.upload.mutate({
    files: [
      { name: 'widgets.md', contentBase64: Buffer.from('# Widgets\n\nWidgets turn plain data into charts people can read.\n').toString('base64') },
    ],
  });
  await waitFor(async () => ['completed', 'failed'].includes((await client.jobs.get.query({ id: job.id })).status), 30_000, 'the seed upload');
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
});

const dialog = (page: Page) => page.getByRole('dialog');
const toast = (page: Page, text: string | RegExp) => page.locator('[data-sonner-toast]').filter({ hasText: text }).first();

async function createKeyInUi(page: Page, name: string): Promise<string> {
  await page.goto(`${app.url}/account/api-keys`);
  await waitForPageReady(page);
  await page.getByRole('button', { name: 'Create key' }).first().click();
  await dialog(page).getByLabel('Name').fill(name);
  await dialog(page).getByRole('button', { name: 'Create key' }).click();
  await dialog(page).getByRole('heading', { name: 'Copy your new key' }).waitFor();
  return dialog(page).getByLabel('API key').inputValue();
}

describe('API keys', () => {
  it('creates a key in the UI, uses it from a tRPC client, revokes it and sees the client refused', async () => {
    const page = await app.signedInPage();
    const key = await createKeyInUi(page, 'CI script');
    expect(key).toMatch(KEY_SHAPE);
    await expect(dialog(page).textContent()).resolves.toMatch(/only time the key is shown/);

    const { client, wsClient } = createArchonClient(app.url, { apiKey: key });
    try {
      // The owner's default is the most the role allows: admin.
      await expect(client.auth.me.query()).resolves.toMatchObject({
        kind: 'api-key',
        email: TEST_OWNER.email,
        capabilities: ['read', 'write', 'admin'],
      });
      await dialog(page).getByRole('button', { name: 'Done' }).click();
      const row = page.locator(`[data-testid=api-keys] tr[data-key-prefix="${key.slice(0, 15)}"]`);
      await row.waitFor();
      await expect(row.textContent()).resolves.toMatch(/CI script.*Admin/);
      // Shown once: the list has only the prefix, and the whole key is nowhere on the page.
      await page.reload();
      await row.waitFor();
      expect(await page.content()).not.toContain(key);

      await row.getByRole('button', { name: 'Revoke CI script' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke key' }).click();
      // Removed at once, before the server answers; still gone once it has.
      await row.waitFor({ state: 'detached', timeout: 2_000 });
      await toast(page, 'Key “CI script” revoked').waitFor();
      await expect(client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
      await expect(row.count()).resolves.toBe(0);
    } finally {
      await wsClient.close();
    }
  });
});

describe('people', () => {
  it('invites someone who accepts in a second browser; a viewer is offered no write actions', async () => {
    const owner = await app.signedInPage();
    await owner.goto(`${app.url}/settings/users`);
    await waitForPageReady(owner);
    await owner.getByRole('button', { name: 'Invite' }).click();
    await dialog(owner).getByLabel('Email').fill(VIEWER.email);
    await dialog(owner).getByRole('combobox', { name: 'Role' }).click();
    await owner.getByRole('option', { name: 'Viewer' }).click();
    await dialog(owner).getByRole('button', { name: 'Create invitation' }).click();
    const link = await dialog(owner).getByLabel('Invitation link').inputValue();
    expect(link).toMatch(new RegExp(`^${app.url}/accept-invite\\?token=[\\w-]{20,}$`));
    await dialog(owner).getByRole('button', { name: 'Done' }).click();
    await owner.locator(`[data-testid=invitations] tr[data-email="${VIEWER.email}"]`).waitFor();

    // The invited person, in a browser of their own.
    const context = await app.newContext();
    viewerPage = await context.newPage();
    await viewerPage.goto(link);
    await expect(viewerPage.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Join Archon');
    await expect(viewerPage.getByLabel('Email').inputValue()).resolves.toBe(VIEWER.email);
    await viewerPage.getByLabel('Name').fill(VIEWER.name);
    await viewerPage.getByLabel('Password', { exact: true }).fill('short');
    await viewerPage.getByRole('button', { name: 'Join Archon' }).click();
    await expect(viewerPage.locator('[id$=-error]').first().textContent()).resolves.toMatch(/password/i);
    await viewerPage.getByLabel('Password', { exact: true }).fill(VIEWER.password);
    await viewerPage.getByRole('button', { name: 'Join Archon' }).click();
    await viewerPage.waitForURL(`${app.url}/knowledge`);
    await expect(viewerPage.getByTestId('user-name').textContent()).resolves.toBe(VIEWER.name);

    // The link worked once.
    const again = await (await app.newContext()).newPage();
    await again.goto(link);
    await expect(again.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This invitation cannot be used');

    // The owner sees a source and may add knowledge; the viewer sees the same list without the button.
    await owner.goto(`${app.url}/knowledge`);
    await owner.getByRole('button', { name: 'Add knowledge' }).waitFor();
    await viewerPage.reload();
    await waitForPageReady(viewerPage);
    await viewerPage.waitForFunction(() => document.querySelector('main')?.textContent?.includes('widgets'));
    await expect(viewerPage.getByRole('button', { name: 'Add knowledge' }).count()).resolves.toBe(0);

    // No settings to edit, no people or audit log.
    await viewerPage.goto(`${app.url}/settings`);
    await waitForPageReady(viewerPage);
    await viewerPage.getByText('Settings are managed by admins').waitFor();
    for (const name of ['Save', 'Test connection']) await expect(viewerPage.getByRole('button', { name }).count()).resolves.toBe(0);
    await expect(viewerPage.getByRole('link', { name: 'People' }).count()).resolves.toBe(0);
    await viewerPage.goto(`${app.url}/settings/users`);
    await viewerPage.getByText('Only admins manage people').waitFor();
    await expect(viewerPage.getByRole('button', { name: 'Invite' }).count()).resolves.toBe(0);

    // Their own keys only, and read access only.
    await viewerPage.goto(`${app.url}/account/api-keys`);
    await waitForPageReady(viewerPage);
    await expect(viewerPage.getByText("Everyone's keys").count()).resolves.toBe(0);
    await viewerPage.getByRole('button', { name: 'Create key' }).first().click();
    await dialog(viewerPage).getByRole('combobox', { name: 'Access' }).click();
    await expect(viewerPage.getByRole('option').allTextContents()).resolves.toEqual(['Read']);
    await viewerPage.keyboard.press('Escape');
    await viewerPage.keyboard.press('Escape');

    // The owner's view: Vera has joined as a viewer, and the invitation is no longer open.
    await owner.goto(`${app.url}/settings/users`);
    const row = owner.locator(`[data-testid=people] tr[data-email="${VIEWER.email}"]`);
    await expect(row.getByRole('combobox').textContent()).resolves.toBe('Viewer');
    await expect(owner.locator(`[data-testid=invitations] tr[data-email="${VIEWER.email}"]`).count()).resolves.toBe(0);
  });

  it("changes a role, which applies to the person's next request; the owner's is fixed", async () => {
    const owner = await app.signedInPage();
    await owner.goto(`${app.url}/settings/users`);
    await waitForPageReady(owner);
    // The owner (also the one signed in) has a badge, not a role menu.
    await expect(owner.locator(`[data-testid=people] tr[data-email="${TEST_OWNER.email}"]`).getByRole('combobox').count()).resolves.toBe(0);
    const row = owner.locator(`[data-testid=people] tr[data-email="${VIEWER.email}"]`);
    await row.getByRole('combobox', { name: `Role of ${VIEWER.name}` }).click();
    await owner.getByRole('option', { name: 'Member' }).click();
    await toast(owner, `${VIEWER.name} is now a member`).waitFor();
    const users = await trpcAs(owner.context(), app.url).query<{ email: string; role: string }[]>('users.list');
    expect(users.find((u) => u.email === VIEWER.email)?.role).toBe('member');

    await viewerPage.goto(`${app.url}/knowledge`);
    await viewerPage.getByRole('button', { name: 'Add knowledge' }).waitFor();

    // Their own key, which an admin sees among everyone's (and the person does not see the admin's).
    await trpcAs(viewerPage.context(), app.url).mutate('auth.apiKeys.create', { name: 'Vera laptop' });
    await owner.goto(`${app.url}/account/api-keys`);
    await waitForPageReady(owner);
    await expect(owner.getByRole('cell', { name: 'Vera laptop' }).count()).resolves.toBe(0);
    await owner.getByRole('switch', { name: "Everyone's keys" }).click();
    const veras = owner.locator('[data-testid=api-keys] tr').filter({ hasText: 'Vera laptop' });
    await expect(veras.textContent()).resolves.toMatch(/Vera laptop.*vera@example\.com.*Read and write/);

    // An invitation withdrawn: gone from the list, and its link refused.
    const api = trpcAs(owner.context(), app.url);
    const { token } = await api.mutate<{ token: string }>('users.invite', { email: 'wrong@example.com', role: 'member' });
    await owner.goto(`${app.url}/settings/users`);
    const invitation = owner.locator('[data-testid=invitations] tr[data-email="wrong@example.com"]');
    await invitation.getByRole('button', { name: 'Withdraw the invitation for wrong@example.com' }).click();
    await owner.getByRole('alertdialog').getByRole('button', { name: 'Withdraw invitation' }).click();
    await invitation.waitFor({ state: 'detached' });
    const res = await owner.request.post(`${app.url}/api/auth/accept-invite`, {
      data: { token, password: 'a fine long password' },
      headers: { origin: app.url },
    });
    expect(res.status()).toBe(404);

    // The audit log shows the change, behind its filter.
    await owner.goto(`${app.url}/settings/audit`);
    await waitForPageReady(owner);
    await owner.getByRole('combobox', { name: 'Action' }).click();
    await owner.getByRole('option', { name: 'Role changed' }).click();
    const entries = owner.locator('[data-testid=audit-log] tbody tr');
    await waitFor(
      async () => (await entries.count()) === 1 && (await entries.first().getAttribute('data-action')) === 'user.role_changed',
      10_000,
      'the filtered log',
    );
    await expect(entries.first().textContent()).resolves.toContain(VIEWER.email);
  });
});

describe('providers', () => {
  it('tests the embedding connection against a fake OpenAI server (success and a 401), saves it and shows the re-embedding live', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/settings`);
    await waitForPageReady(page);
    const form = page.getByTestId('provider-embedding');
    await expect(form.getByTestId('reembed-status').getAttribute('data-state')).resolves.toBe('current');
    await form.getByLabel('Base URL').fill(fake.url);
    await form.getByLabel('Model').fill('fake-embed');
    await form.getByLabel('Dimension').fill('64');
    await form.getByLabel('API key').fill(PROVIDER_KEY);

    const result = form.getByTestId('test-result');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('[data-testid=provider-embedding] [data-testid=test-result][data-ok=true]').waitFor();
    await expect(result.textContent()).resolves.toMatch(/Connection works.*"fake-embed" returned a 64-dimensional vector/);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);

    fake.script([{ type: 'error', status: 401, message: 'Incorrect API key provided' }]);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('[data-testid=provider-embedding] [data-testid=test-result][data-ok=false]').waitFor();
    await expect(result.textContent()).resolves.toMatch(/Connection failed.*HTTP 401.*rejected the API key \(HTTP 401: Incorrect API key provided\)/);

    fake.script([{ type: 'wrong-dimensions', dimensions: 32 }]);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('[data-testid=provider-embedding] [data-testid=test-result][data-ok=false]').waitFor();
    await expect(result.textContent()).resolves.toMatch(/returns 32-dimensional vectors, but the dimension is set to 64/);

    // Saved: the key is write-only (set, its last characters), and the stored chunks are re-embedded, shown live.
    // The re-embedding's first request is held back a little, so its running state is on screen long enough to see.
    await page.evaluate(() => {
      const w = window as unknown as { __reembedStates: string[] };
      w.__reembedStates = [];
      const record = () => {
        const state = document.querySelector('[data-testid=reembed-status]')?.getAttribute('data-state') ?? 'none';
        if (w.__reembedStates.at(-1) !== state) w.__reembedStates.push(state);
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    fake.script([{ type: 'delay', ms: 1_500, endpoint: 'embeddings' }]);
    await form.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Embeddings saved').waitFor();
    await expect(form.getByTestId('provider-embedding-key-status').textContent()).resolves.toBe('Set · sk-…wxyz');
    await expect(form.getByLabel('API key').inputValue()).resolves.toBe('');
    const status = form.getByTestId('reembed-status');
    await waitFor(
      async () =>
        (await status.getAttribute('data-state')) === 'current' &&
        /embedded with fake-embed \(64 dimensions\)/.test((await status.textContent()) ?? ''),
      30_000,
      're-embedding to finish',
    );
    const states = await page.evaluate(() => (window as unknown as { __reembedStates: string[] }).__reembedStates);
    expect(states[0]).toBe('current');
    expect(
      states.some((s) => s === 'queued' || s === 'running'),
      states.join(' → '),
    ).toBe(true);
    expect(states.at(-1)).toBe('current');
    await expect(form.getByTestId('effective-embedding').textContent()).resolves.toContain(`fake-embed · 64 dims · ${fake.url}`);
    expect(
      fake.requests.filter((r) => r.path === '/v1/embeddings' && r.body?.input?.some?.((t: string) => t.includes('Widgets'))).length,
    ).toBeGreaterThan(0);
    await page.reload();
    await waitForPageReady(page);
    expect(await page.content()).not.toContain(PROVIDER_KEY);
    const jobs = await trpcAs(page.context(), app.url).query<{ items: { kind: string; status: string }[] }>('jobs.list', { kind: 'reembed' });
    expect(jobs.items[0]).toMatchObject({ kind: 'reembed', status: 'completed' });
  });
});

describe('MCP page', () => {
  it('creates a key for the setup, fills it into every snippet with the right URL, and checks the endpoint', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/connect`);
    await waitForPageReady(page);
    await expect(page.getByTestId('mcp-url').textContent()).resolves.toBe(`${app.url}/mcp`);
    await page.getByRole('button', { name: 'Create a key for Claude Code' }).click();
    await page.getByTestId('mcp-key-created').waitFor();
    const key = await page.getByTestId('mcp-key').inputValue();
    expect(key).toMatch(KEY_SHAPE);

    for (const [tab, id] of [
      ['Claude Code', 'claude-code'],
      ['Cursor', 'cursor'],
      ['Windsurf', 'windsurf'],
      ['VS Code', 'vscode'],
      ['Codex', 'codex'],
      ['Gemini CLI', 'gemini'],
    ] as const) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      for (const transport of ['http', 'stdio'] as const) {
        await page
          .getByTestId(`setup-${id}`)
          .getByRole('tab', { name: transport === 'http' ? 'HTTP' : 'stdio' })
          .click();
        const code = (await page.getByTestId(`snippet-${id}-${transport}`).locator('pre').textContent()) ?? '';
        if (!(id === 'vscode' && transport === 'http')) expect(code, `${tab} ${transport}`).toContain(key);
        if (transport === 'http') expect(code, tab).toContain(`${app.url}/mcp`);
        else expect(code, tab).toMatch(new RegExp(`ARCHON_URL.{1,4}${app.url.replace(/[.]/g, '\\.')}[^/]`));
      }
    }

    const keys = await trpcAs(page.context(), app.url).query<{ name: string; scopes: string[] }[]>('auth.apiKeys.list');
    expect(keys.find((k) => k.name === 'MCP – Claude Code')?.scopes).toEqual(['read', 'write']);

    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('[data-testid=mcp-check][data-ok=true]').waitFor({ timeout: 15_000 });
    const expected = ALL_TOOLS.filter((t) => t.access !== 'admin').length;
    await expect(page.getByTestId('mcp-tool-count').textContent()).resolves.toBe(String(expected));

    await page.getByTestId('mcp-key').fill(`ak_0123456789ff_${'B'.repeat(43)}`);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('[data-testid=mcp-check][data-ok=false]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('mcp-check').textContent()).resolves.toMatch(/HTTP 401.*not valid/);

    const rules = await page.locator('section[aria-labelledby=rules-title] pre').textContent();
    expect(rules).toContain('rag_search_knowledge_base');
  });
});

describe('quality', () => {
  it('has no serious axe findings on every page and dialog built here, in both themes, and saves their screenshots', {
    timeout: 300_000,
  }, async () => {
    const api = trpcAs((await app.signedInPage()).context(), app.url);
    const check = async (page: Page, name: string, theme: Theme, opts: { allowLoading?: boolean } = {}) => {
      await expectNoSeriousA11yViolations(page, `${name} (${theme})`);
      await screenshot(page, name, theme, opts);
    };
    for (const theme of THEMES) {
      const page = await app.signedInPage({ theme });
      for (const [path, name] of [
        ['/settings', 'settings-general'],
        ['/settings/users', 'settings-people'],
        ['/settings/audit', 'settings-audit'],
        ['/account', 'account-overview'],
        ['/account/api-keys', 'account-keys'],
        ['/connect', 'connect-mcp'],
      ] as const) {
        await page.goto(`${app.url}${path}`);
        await waitForPageReady(page);
        await check(page, name, theme);
      }

      // Dialogs are portalled: checked while open.
      await page.goto(`${app.url}/account/api-keys`);
      await waitForPageReady(page);
      await page.getByRole('button', { name: 'Create key' }).first().click();
      await dialog(page).getByLabel('Name').waitFor();
      await check(page, 'dialog-create-key', theme);
      await dialog(page).getByLabel('Name').fill(`Screenshot ${theme}`);
      await dialog(page).getByRole('button', { name: 'Create key' }).click();
      await dialog(page).getByLabel('API key').waitFor();
      await check(page, 'dialog-new-key', theme);
      await dialog(page).getByRole('button', { name: 'Done' }).click();
      await page.getByRole('button', { name: `Revoke Screenshot ${theme}` }).click();
      await page.getByRole('alertdialog').waitFor();
      await check(page, 'dialog-revoke-key', theme);
      await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();

      await page.goto(`${app.url}/settings/users`);
      await waitForPageReady(page);
      await page.getByRole('button', { name: 'Invite' }).click();
      await dialog(page).getByLabel('Email').fill(`later-${theme}@example.com`);
      await check(page, 'dialog-invite', theme);
      await dialog(page).getByRole('button', { name: 'Create invitation' }).click();
      await dialog(page).getByLabel('Invitation link').waitFor();
      await check(page, 'dialog-invite-link', theme);
      await dialog(page).getByRole('button', { name: 'Done' }).click();

      await page.goto(`${app.url}/connect`);
      await waitForPageReady(page);
      await page.getByRole('button', { name: /Create a key for/ }).click();
      await page.getByTestId('mcp-key-created').waitFor();
      await page.getByRole('tab', { name: 'Cursor' }).click();
      await page.getByTestId('setup-cursor').getByRole('tab', { name: 'stdio' }).click();
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('[data-testid=mcp-check][data-ok]').waitFor({ timeout: 15_000 });
      await check(page, 'connect-mcp-filled', theme);

      // Before sign-in: the accept page, valid and not.
      const { token } = await api.mutate<{ token: string }>('users.invite', { email: `join-${theme}@example.com`, role: 'member' });
      const anonymous = await (await app.newContext({ theme })).newPage();
      await anonymous.goto(`${app.url}/accept-invite?token=${token}`);
      await check(anonymous, 'accept-invite', theme);
      await anonymous.goto(`${app.url}/accept-invite?token=${'x'.repeat(43)}`);
      await check(anonymous, 'accept-invite-invalid', theme);
    }
    // A viewer's (now member's) settings page.
    await viewerPage.goto(`${app.url}/settings`);
    await waitForPageReady(viewerPage);
    await check(viewerPage, 'settings-member', 'light');
  });
});
