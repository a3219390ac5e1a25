import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, expectNoSeriousA11yViolations, screenshot, startDashboard, THEMES, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { TEST_OWNER } from '../helpers/server-process';
import { waitFor } from '../helpers/wait';

/**
 * A project's Documents, Features and data, and Sources tabs in Chromium
 * against the built server: a document edited twice in CodeMirror, two
 * versions compared by line and by word, the older one restored and its
 * backup found in the history; a concurrent save shown as a conflict that
 * keeps the text; features edited in the list and as JSON, then restored;
 * sources linked by search and unlinked; what a viewer gets (read only);
 * script and javascript: payloads inert in the preview, the history and the
 * diff; axe and screenshots of every tab in both themes.
 */

const VIEWER = { name: 'Vera Viewer', email: 'vera.docs@archon.test', password: 'viewer pass phrase 42' };
const XSS_TITLE = '<img src=x onerror="window.__xss=\'title\'"> Payload spec';
const XSS_V1 = [
  '# Payloads <script>window.__xss = "h1"</script>',
  '',
  "A [script link](javascript:window.__xss='link') and [another](JaVaScRiPt:window.__xss='link2').",
  '',
  '<script>window.__xss = "script"</script>',
  '<img src="x" onerror="window.__xss=\'img\'">',
  "![pixel](javascript:window.__xss='img-src')",
  '<svg onload="window.__xss=\'svg\'"></svg><iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
  '',
].join('\n');
const XSS_V2 = `${XSS_V1}\n<a href="javascript:window.__xss='raw-link'">raw link</a> and <b onmouseover="window.__xss='b'">bold</b>\n`;

let app: Dashboard;
let projectId: string;
let ownerName: string;
const sourceIds: string[] = [];

const api = (page: Page) => trpcAs(page.context(), app.url);
const toast = (page: Page, text: string | RegExp) => page.locator('[data-sonner-toast]').filter({ hasText: text }).first();
const base = () => `${app.url}/projects/${projectId}`;

function guard(page: Page) {
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
}
const ranPayload = (page: Page) => page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);

/** No payload ran, and nothing that could run one is in the page. */
async function expectInert(page: Page, where: string) {
  expect(await ranPayload(page), where).toBeNull();
  const found = await page.evaluate(() => ({
    jsUrls: [...document.querySelectorAll('[href], [src], [action], [formaction]')].filter((el) =>
      ['href', 'src', 'action', 'formaction'].some((a) => /^\s*javascript:/i.test(el.getAttribute(a) ?? '')),
    ).length,
    embedded: document.querySelectorAll('main script, main iframe, main object, main embed, main svg[onload]').length,
    handlers: [...document.querySelectorAll('main *')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
  }));
  expect(found, where).toEqual({ jsUrls: 0, embedded: 0, handlers: 0 });
}

/** Replaces the CodeMirror editor's whole text, as a person would: select all, type. */
async function typeInEditor(page: Page, text: string, editor = '[data-testid=markdown-editor]') {
  const content = page.locator(`${editor} .cm-content`);
  await content.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

const editorText = (page: Page, editor = '[data-testid=markdown-editor]') =>
  page.locator(`${editor} .cm-content`).evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));

async function chooseOption(page: Page, trigger: string | RegExp, option: string) {
  await page.getByRole('combobox', { name: trigger }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const versionItem = (page: Page, n: number) => page.locator(`[data-testid=version-item][data-version="${n}"]`);

beforeAll(async () => {
  app = await startDashboard();
  const page = await app.signedInPage();
  const me = (await api(page).query('users.list')).find((u: { email: string }) => u.email === TEST_OWNER.email);
  ownerName = me.name || me.email;
  const project = await api(page).mutate('projects.create', {
    title: 'Docs revamp',
    githubRepo: 'acme/docs',
    features: [
      { name: 'Sign in', status: 'done', description: 'Email and password, sessions in a cookie.', owner: 'Ada' },
      { name: 'Search', status: 'in progress', description: 'Hybrid search over every source.', components: ['api', 'ui'] },
    ],
    data: [{ entity: 'users', fields: ['id', 'email', 'name'] }],
  });
  projectId = project.id;
  for (const [name, text] of [
    ['react-notes.md', '# React notes\n\nHooks, effects and suspense, as the team uses them.\n'],
    ['billing-handbook.md', '# Billing handbook\n\nHow invoices are made and sent.\n'],
  ] as const) {
    const job = await api(page).mutate('knowledge.upload', { files: [{ name, contentBase64: Buffer.from(text).toString('base64') }] });
    await waitFor(async () => ['completed', 'failed'].includes((await api(page).query('jobs.get', { id: job.id })).status), 30_000, `upload ${name}`);
    sourceIds.push(job.sourceId);
  }
  await page.close();
});
afterAll(async () => {
  await app?.close();
});

describe('documents', () => {
  let docId: string;

  it('creates a document, edits it twice, diffs two versions, restores the older one and shows the backup in the history', async () => {
    const page = await app.signedInPage();
    guard(page);
    await page.goto(`${base()}/documents`);
    await page.getByRole('heading', { name: 'No documents yet' }).waitFor();
    await page.getByTestId('new-document').first().click();
    const form = page.getByRole('dialog', { name: 'New document' });
    await form.getByLabel('Title').fill('Architecture');
    await form.getByLabel('Type').fill('spec');
    await form.getByRole('button', { name: 'Create and open' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}\?mode=write$/);
    docId = page.url().match(/documents\/([0-9a-f-]{36})/)![1]!;
    await page.locator('[data-testid=markdown-editor] .cm-content').waitFor();
    expect(await page.locator('.cm-content').getAttribute('aria-label')).toBe('Document text (Markdown)');

    // First edit, saved with the keyboard.
    await typeInEditor(page, '# Architecture\n\nFirst draft of the plan.');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Unsaved changes');
    await page.keyboard.press('ControlOrMeta+S');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');
    // Second edit, with a summary of what changed.
    await typeInEditor(page, '# Architecture\n\nSecond draft of the plan, with more words.\n\n- one\n- two');
    await page.getByTestId('change-summary').fill('Expanded the plan');
    await page.getByTestId('save-document').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');
    const doc = await api(page).query('documents.byId', { id: docId });
    expect(doc.content).toBe('# Architecture\n\nSecond draft of the plan, with more words.\n\n- one\n- two');
    expect(doc.updatedBy).toBe(ownerName);

    // The history: who changed what and when.
    await page.getByTestId('mode-history').click();
    await versionItem(page, 3).waitFor();
    expect(await page.getByTestId('version-item').count()).toBe(3);
    await expect(versionItem(page, 3).textContent()).resolves.toMatch(new RegExp(`v3Edited.*Current.*Expanded the plan.*${ownerName}`));
    await expect(versionItem(page, 1).textContent()).resolves.toContain('Created');
    expect(await versionItem(page, 3).getAttribute('aria-pressed')).toBe('true');

    // v2 → v3 by line: a removed line and added ones, each with its marker, not colour alone.
    const removed = page.locator('[data-testid=diff-lines] tr[data-change=removed]');
    const added = page.locator('[data-testid=diff-lines] tr[data-change=added]');
    await removed.first().waitFor();
    await expect(removed.allTextContents()).resolves.toEqual([expect.stringMatching(/−RemovedFirst draft of the plan\.$/)]);
    await expect(added.allTextContents()).resolves.toEqual(
      expect.arrayContaining([expect.stringMatching(/\+AddedSecond draft of the plan, with more words\.$/), expect.stringMatching(/- two$/)]),
    );
    await expect(page.getByTestId('diff-summary').textContent()).resolves.toMatch(/\+4.*−1/);
    // By word.
    await page.getByTestId('diff-words-mode').click();
    await expect(page.locator('[data-testid=diff-words] del').first().textContent()).resolves.toContain('First');
    await expect(page.locator('[data-testid=diff-words] ins').first().textContent()).resolves.toContain('Second');
    expect(page.url()).toContain('view=words');
    // Any two versions: the first against the last.
    await chooseOption(page, 'From', 'Version 1');
    await expect.poll(() => page.getByTestId('compare-caption').textContent()).toContain('Changes from version 1 to version 3');
    await expect
      .poll(() => page.locator('[data-testid=diff-words] ins').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('Second')]));

    // Restore version 2: the dialog says a backup is made first.
    await versionItem(page, 2).click();
    await page.getByTestId('restore-version').click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.textContent()).resolves.toContain('the current content is saved first as a backup version (v4)');
    await expectNoSeriousA11yViolations(page, 'restore confirmation');
    await confirm.getByRole('button', { name: 'Restore version 2' }).click();
    await toast(page, 'Restored version 2').waitFor();
    await expect(toast(page, 'Restored version 2').textContent()).resolves.toContain('backup version 4');
    await versionItem(page, 5).waitFor();
    await expect(versionItem(page, 4).textContent()).resolves.toMatch(/v4Backup.*Backup before restoring version 2/);
    await expect(versionItem(page, 5).textContent()).resolves.toMatch(/v5Restored.*Current.*Restored version 2/);
    // The page shows what the restore did: the backup (the second edit) against the restored first edit.
    await expect.poll(() => page.getByTestId('compare-caption').textContent()).toContain('Changes from version 4 to version 5');
    const history = await api(page).query('versions.list', { documentId: docId });
    expect(history.items.map((v: { changeType: string }) => v.changeType)).toEqual(['restore', 'backup', 'update', 'update', 'create']);
    expect((await api(page).query('versions.get', { documentId: docId, versionNumber: 4 })).content).toBe(doc.content);
    expect((await api(page).query('documents.byId', { id: docId })).content).toBe('# Architecture\n\nFirst draft of the plan.');
    await page.getByTestId('mode-write').click();
    await expect.poll(() => editorText(page)).toBe('# Architecture\n\nFirst draft of the plan.');

    // The list shows it with its type, when and by whom.
    await page.goto(`${base()}/documents`);
    const row = page.getByTestId('document-row').filter({ hasText: 'Architecture' });
    await expect(row.textContent()).resolves.toMatch(new RegExp(`Spec.*by ${ownerName}`));
    await page.close();
  });

  it('shows a save that lost a race as a conflict, keeps the text, compares it with theirs and saves it over theirs', async () => {
    const page = await app.signedInPage();
    guard(page);
    await page.goto(`${base()}/documents/${docId}?mode=write`);
    await page.locator('[data-testid=markdown-editor] .cm-content').waitFor();
    await typeInEditor(page, '# Architecture\n\nMy careful rewrite.');
    // Meanwhile someone else saves.
    const current = await api(page).query('documents.byId', { id: docId });
    await api(page).mutate('documents.update', { id: docId, expectedVersion: current.version, content: '# Architecture\n\nTheir quick fix.' });

    await page.getByTestId('save-document').click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    await expect(conflict.textContent()).resolves.toContain('Your text is still here');
    expect(await editorText(page)).toBe('# Architecture\n\nMy careful rewrite.');
    await expect(page.locator('[data-testid=diff] tr[data-change=removed]').textContent()).resolves.toContain('Their quick fix.');
    await expect(page.locator('[data-testid=diff] tr[data-change=added]').textContent()).resolves.toContain('My careful rewrite.');
    await expectNoSeriousA11yViolations(page, 'document conflict');
    await screenshot(page, 'documents-conflict', 'light');

    await page.getByTestId('save-over').click();
    await conflict.waitFor({ state: 'detached' });
    await expect.poll(async () => (await api(page).query('documents.byId', { id: docId })).content).toBe('# Architecture\n\nMy careful rewrite.');
    const contents = await Promise.all(
      (await api(page).query('versions.list', { documentId: docId })).items.map(
        async (v: { versionNumber: number }) =>
          (await api(page).query('versions.get', { documentId: docId, versionNumber: v.versionNumber })).content,
      ),
    );
    expect(contents.slice(0, 2)).toEqual(['# Architecture\n\nMy careful rewrite.', '# Architecture\n\nTheir quick fix.']);
    await page.close();
  });

  it('keeps unsaved text across a reload and offers it back', async () => {
    const page = await app.signedInPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${base()}/documents/${docId}?mode=write`);
    await page.locator('[data-testid=markdown-editor] .cm-content').waitFor();
    await typeInEditor(page, '# Architecture\n\nWords typed and not saved.');
    const key = `archon:document-draft:${docId}`;
    await expect.poll(() => page.evaluate((k) => localStorage.getItem(k), key)).toContain('Words typed and not saved.');
    await page.reload();
    await page.getByTestId('stored-draft').waitFor();
    expect(await editorText(page)).toBe('# Architecture\n\nMy careful rewrite.');
    await page.getByRole('button', { name: 'Bring them back' }).click();
    await expect.poll(() => editorText(page)).toBe('# Architecture\n\nWords typed and not saved.');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Unsaved changes');
    await page.getByTestId('save-document').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');
    expect((await api(page).query('documents.byId', { id: docId })).content).toBe('# Architecture\n\nWords typed and not saved.');
    await expect.poll(() => page.evaluate((k) => localStorage.getItem(k), key)).toBeNull();
    await page.close();
  });

  it('deletes a document from the list after a confirmation', async () => {
    const page = await app.signedInPage();
    const doomed = await api(page).mutate('documents.create', { projectId, title: 'Scratch notes', content: 'bye' });
    await page.goto(`${base()}/documents`);
    await page.getByRole('button', { name: 'Actions for Scratch notes' }).click();
    await page.getByRole('menuitem', { name: 'Delete…' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.textContent()).resolves.toContain('every one of its versions are removed');
    await confirm.getByRole('button', { name: 'Delete document' }).click();
    await expect.poll(() => page.getByTestId('document-row').filter({ hasText: 'Scratch notes' }).count()).toBe(0);
    await expect(api(page).query('documents.byId', { id: doomed.id })).rejects.toThrow(/NOT_FOUND/);
    await page.close();
  });

  it('renders script and javascript: payloads inert in the list, the preview, the history and the diff', async () => {
    const page = await app.signedInPage();
    guard(page);
    const doc = await api(page).mutate('documents.create', { projectId, title: XSS_TITLE, content: XSS_V1, tags: ['<b>tag</b>'] });
    await api(page).mutate('documents.update', { id: doc.id, content: XSS_V2 });

    await page.goto(`${base()}/documents`);
    await page.getByTestId('document-row').filter({ hasText: 'Payload spec' }).waitFor();
    await expectInert(page, 'documents list');

    await page.goto(`${base()}/documents/${doc.id}`);
    await page.getByTestId('document-preview').waitFor();
    await page.locator('[data-testid=markdown-editor] .cm-content').waitFor();
    expect(await page.getByTestId('document-title').inputValue()).toBe(XSS_TITLE);
    await expect(page.getByTestId('document-preview').textContent()).resolves.toContain('script link');
    await expectInert(page, 'editor and preview');
    await page.getByTestId('mode-preview').click();
    await expectInert(page, 'preview');

    await page.getByTestId('mode-history').click();
    await page.locator('[data-testid=diff-lines] tr[data-change=added]').first().waitFor();
    await expect(page.getByTestId('diff').textContent()).resolves.toContain(`<b onmouseover="window.__xss='b'">bold</b>`);
    await expectInert(page, 'line diff');
    await page.getByTestId('diff-words-mode').click();
    await page.getByTestId('diff-words').waitFor();
    await expectInert(page, 'word diff');
    await page.getByTestId('diff-rendered-mode').click();
    await page.getByTestId('version-rendered').waitFor();
    await expectInert(page, 'rendered version');
    await chooseOption(page, 'From', 'Nothing (empty)');
    await page.getByTestId('diff-lines-mode').click();
    await page.locator('[data-testid=diff-lines] tr[data-change=added]').first().waitFor();
    await expectInert(page, 'whole first version');
    await page.close();
  });

  it('gives a viewer the documents read only: no create, edit, delete or restore', async () => {
    const owner = await app.signedInPage();
    const { token } = await api(owner).mutate('users.invite', { email: VIEWER.email, role: 'viewer' });
    const joined = await fetch(`${app.url}/api/auth/accept-invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ token, name: VIEWER.name, password: VIEWER.password }),
    });
    expect(joined.status).toBe(201);
    await owner.close();

    const page = await app.signedInPage({ email: VIEWER.email, password: VIEWER.password });
    await page.goto(`${base()}/documents`);
    await page.getByTestId('document-row').first().waitFor();
    expect(await page.getByTestId('new-document').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Actions for/ }).count()).toBe(0);

    await page.goto(`${base()}/documents/${docId}`);
    await page.getByTestId('document-preview').waitFor();
    await page.getByTestId('read-only').waitFor();
    expect(await page.locator('.cm-editor').count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await page.getByTestId('save-document').count()).toBe(0);
    expect(await page.getByTestId('mode-write').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Details' }).count()).toBe(0);
    await page.getByTestId('mode-history').click();
    await versionItem(page, 1).click();
    await page.getByTestId('diff').waitFor();
    expect(await page.getByTestId('restore-version').count()).toBe(0);
    await expectNoSeriousA11yViolations(page, 'document history as a viewer');

    await page.goto(`${base()}/features`);
    await page.getByTestId('entry-row').first().waitFor();
    expect(await page.getByTestId('add-entry').count()).toBe(0);
    expect(await page.getByTestId('mode-json').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Actions for/ }).count()).toBe(0);

    await page.goto(`${base()}/sources`);
    await page.getByRole('heading', { name: 'Linked sources' }).waitFor();
    expect(await page.getByTestId('link-source').count()).toBe(0);
    expect(await page.getByTestId('unlink-source').count()).toBe(0);
    await page.close();
  });
});

describe('features and data', () => {
  it('adds a feature in the list, edits the data as JSON, and restores an earlier version after a backup', async () => {
    const page = await app.signedInPage();
    guard(page);
    await page.goto(`${base()}/features`);
    await expect.poll(() => page.getByTestId('entry-row').count()).toBe(2);
    await expect(page.getByTestId('entry-row').first().textContent()).resolves.toMatch(/Sign in.*done.*Email and password.*owner: Ada/);
    const before = await api(page).query('versions.field', { projectId, fieldName: 'features' });

    await page.getByTestId('add-entry').click();
    const form = page.getByRole('dialog', { name: 'Add a feature' });
    await form.getByLabel('Name').fill('Export');
    await form.getByLabel('Description').fill('Download a project as an archive.');
    await typeInEditor(page, '{ "owner": "Grace" }', '[data-testid=entry-json]');
    await expectNoSeriousA11yViolations(page, 'add feature dialog');
    await form.getByTestId('entry-save').click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('entry-row').count()).toBe(3);
    const saved = await api(page).query('versions.field', { projectId, fieldName: 'features' });
    expect(saved.version).toBe(before.version + 1);
    expect(saved.content.at(-1)).toEqual({ name: 'Export', status: 'planned', description: 'Download a project as an archive.', owner: 'Grace' });
    expect(saved.updatedBy).toBe(ownerName);

    // Remove is shown at once.
    await page.getByRole('button', { name: 'Actions for Search' }).click();
    await page.getByRole('menuitem', { name: 'Remove' }).click();
    await expect.poll(() => page.getByTestId('entry-row').count()).toBe(2);
    await toast(page, 'Removed “Search”').waitFor();
    await expect.poll(async () => (await api(page).query('versions.field', { projectId, fieldName: 'features' })).content.length).toBe(2);

    // The data list as JSON: a bad edit is named and cannot be saved; a good one is.
    await page.getByTestId('list-data').click();
    await page.getByTestId('mode-json').click();
    await page.locator('[data-testid=json-editor] .cm-content').waitFor();
    await typeInEditor(page, '[{ "entity": "users" ', '[data-testid=json-editor]');
    await expect.poll(() => page.getByTestId('json-problem').textContent()).toMatch(/line 1/);
    expect(await page.getByTestId('save-json').isDisabled()).toBe(true);
    await typeInEditor(page, '[{ "entity": "users", "fields": ["id", "email"] }, { "entity": "documents" }]', '[data-testid=json-editor]');
    await page.getByTestId('save-json').click();
    await toast(page, 'Saved the data entries').waitFor();
    expect((await api(page).query('versions.field', { projectId, fieldName: 'data' })).content).toEqual([
      { entity: 'users', fields: ['id', 'email'] },
      { entity: 'documents' },
    ]);

    // The features' history: restore the first version; the removal and the addition are backed up first.
    await page.getByTestId('list-features').click();
    await page.getByTestId('mode-history').click();
    await versionItem(page, 1).click();
    await page.getByTestId('restore-version').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Restore version 1' }).click();
    await toast(page, 'Restored version 1').waitFor();
    await versionItem(page, 5).waitFor();
    await expect(versionItem(page, 4).textContent()).resolves.toMatch(/Backup.*Backup before restoring version 1/);
    await expect.poll(() => page.getByTestId('compare-caption').textContent()).toContain('Changes from version 4 to version 5');
    await expect
      .poll(() => page.locator('[data-testid=diff-lines] tr[data-change=added]').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('"name": "Search"')]));
    const restored = await api(page).query('versions.field', { projectId, fieldName: 'features' });
    expect(restored.content.map((f: { name: string }) => f.name)).toEqual(['Sign in', 'Search']);
    await page.getByTestId('mode-list').click();
    await expect.poll(() => page.getByTestId('entry-row').count()).toBe(2);
    await page.close();
  });
});

describe('sources', () => {
  it('links a source found by search-as-you-type and unlinks it, each shown at once', async () => {
    const page = await app.signedInPage();
    guard(page);
    await page.goto(`${base()}/sources`);
    await page.getByRole('heading', { name: 'No sources linked' }).waitFor();
    await page.getByTestId('link-source').click();
    const dialog = page.getByRole('dialog', { name: 'Link a knowledge source' });
    await dialog.getByTestId('source-result').first().waitFor();
    await dialog.getByTestId('source-search').fill('billing');
    await expect.poll(() => dialog.getByTestId('source-result').allTextContents()).toEqual([expect.stringContaining('billing-handbook')]);
    await expectNoSeriousA11yViolations(page, 'link source dialog');
    await dialog.getByRole('button', { name: /^Link billing-handbook/ }).click();
    await dialog.getByText('Linked', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('linked-source').first().waitFor();
    expect(await page.getByTestId('linked-source').count()).toBe(1);
    await expect
      .poll(async () => (await api(page).query('projects.sources', { id: projectId })).map((s: { sourceId: string }) => s.sourceId))
      .toEqual([sourceIds[1]]);

    // What it is used for, changed in place.
    await chooseOption(page, /^What .* is used for$/, 'Business');
    await expect.poll(async () => (await api(page).query('projects.sources', { id: projectId }))[0]?.linkType).toBe('business');

    await page.getByTestId('unlink-source').click();
    await expect.poll(() => page.getByTestId('linked-source').count()).toBe(0);
    await expect.poll(async () => (await api(page).query('projects.sources', { id: projectId })).length).toBe(0);
    // Linked again for the screenshots.
    await api(page).mutate('projects.linkSource', { projectId, sourceId: sourceIds[0], linkType: 'technical' });
    await api(page).mutate('projects.linkSource', { projectId, sourceId: sourceIds[1], linkType: 'business' });
    await page.close();
  });
});

describe('quality', () => {
  it('passes axe and is screenshotted in both themes: documents, the editor, the history and diff, features and sources', async () => {
    const seed = await app.signedInPage();
    const spec = await api(seed).mutate('documents.create', {
      projectId,
      title: 'API design',
      documentType: 'design',
      tags: ['api', 'v2'],
      content:
        '# API design\n\nEvery procedure takes **one** input object.\n\n## Errors\n\n- `BAD_REQUEST` names each field\n- `CONFLICT` for stale versions\n\n```ts\nconst doc = await archon.documents.byId.query({ id });\n```\n',
    });
    await api(seed).mutate('documents.update', {
      id: spec.id,
      content:
        '# API design\n\nEvery procedure takes **one** input object, validated with zod.\n\n## Errors\n\n- `BAD_REQUEST` names each field\n- `NOT_FOUND` for unknown ids\n- `CONFLICT` for stale versions\n\n```ts\nconst doc = await archon.documents.byId.query({ id });\n```\n',
      changeSummary: 'Listed NOT_FOUND',
    });
    await seed.close();

    for (const theme of THEMES) {
      const page = await app.signedInPage({ theme });
      await page.goto(`${base()}/documents`);
      await page.getByTestId('document-row').first().waitFor();
      await waitForPageReady(page);
      await expectNoSeriousA11yViolations(page, `documents list (${theme})`);
      await screenshot(page, 'project-documents', theme);

      await page.goto(`${base()}/documents/${spec.id}`);
      await page.locator('[data-testid=markdown-editor] .cm-content').waitFor();
      await page.getByTestId('document-preview').waitFor();
      await expectNoSeriousA11yViolations(page, `document editor (${theme})`);
      await screenshot(page, 'project-document-editor', theme);

      await page.getByTestId('mode-history').click();
      await page.locator('[data-testid=diff-lines] tr[data-change=added]').first().waitFor();
      await expectNoSeriousA11yViolations(page, `document history, line diff (${theme})`);
      await screenshot(page, 'project-document-history', theme);
      await page.getByTestId('diff-words-mode').click();
      await page.getByTestId('diff-words').waitFor();
      await expectNoSeriousA11yViolations(page, `document history, word diff (${theme})`);
      await screenshot(page, 'project-document-diff-words', theme);

      await page.goto(`${base()}/features`);
      await page.getByTestId('entry-row').first().waitFor();
      await expectNoSeriousA11yViolations(page, `features (${theme})`);
      await screenshot(page, 'project-features', theme);
      await page.getByTestId('mode-json').click();
      await page.locator('[data-testid=json-editor] .cm-content').waitFor();
      await expectNoSeriousA11yViolations(page, `features as JSON (${theme})`);
      await screenshot(page, 'project-features-json', theme);
      await page.getByTestId('mode-history').click();
      await page.getByTestId('diff').waitFor();
      await expectNoSeriousA11yViolations(page, `features history (${theme})`);
      await screenshot(page, 'project-features-history', theme);

      await page.goto(`${base()}/sources`);
      await page.getByTestId('linked-source').first().waitFor();
      await expectNoSeriousA11yViolations(page, `sources (${theme})`);
      await screenshot(page, 'project-sources', theme);
      await page.getByTestId('link-source').click();
      await page.getByRole('dialog').getByTestId('source-result').first().waitFor();
      await expectNoSeriousA11yViolations(page, `link source dialog (${theme})`);
      await screenshot(page, 'project-sources-link', theme);
      await page.close();
    }
  });
});
