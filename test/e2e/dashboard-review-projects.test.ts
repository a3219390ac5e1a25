import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';

/**
 * Regressions from the dashboard review of projects, in Chromium against the
 * built server: the project's edit dialog and a document's details dialog
 * losing what was typed when what they edit is read again behind them.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard();
});

afterAll(async () => {
  await app?.close();
});

/** What the browser does when the window comes back into focus: TanStack Query reads stale queries again. */
async function awayAndBack(page: Page, readPath: string) {
  const read = page.waitForResponse((r) => r.url().includes(readPath));
  await page.clock.fastForward('01:00');
  await page.evaluate(() => {
    const visibility = (state: 'hidden' | 'visible') => {
      Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    };
    visibility('hidden');
    visibility('visible');
  });
  await read;
  await page.waitForTimeout(300);
}

describe('editing a project from its header', () => {
  it('keeps what was typed when the project is read again while the dialog is open (coming back to the window)', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const project = await api.mutate<{ id: string }>('projects.create', { title: 'Typing kept' });
    // A controlled clock: the project's data is stale after 30 s, and read again when the window gets focus back.
    await page.clock.install();
    await page.goto(`${app.url}/projects/${project.id}/board`);
    await waitForPageReady(page);
    await page.getByTestId('project-edit').click();
    const dialog = page.getByTestId('project-form');
    await dialog.getByRole('textbox', { name: 'GitHub repository' }).fill('acme/docs');
    await dialog.getByRole('textbox', { name: 'Description' }).fill('Half a thought, while the repository URL is looked up in another tab');

    // Away in another tab for a minute, and back.
    await awayAndBack(page, 'projects.byId');

    expect(await dialog.getByRole('textbox', { name: 'GitHub repository' }).inputValue()).toBe('acme/docs');
    expect(await dialog.getByRole('textbox', { name: 'Description' }).inputValue()).toBe(
      'Half a thought, while the repository URL is looked up in another tab',
    );
    await dialog.getByRole('button', { name: 'Save project' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api.query('projects.byId', { id: project.id })).githubRepo).toBe('https://github.com/acme/docs');
  });

  it("a document's details dialog keeps what was typed the same way", async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const project = await api.mutate<{ id: string }>('projects.create', { title: 'Documents kept' });
    const doc = await api.mutate<{ id: string }>('documents.create', { projectId: project.id, title: 'Design', documentType: 'design' });
    await page.clock.install();
    await page.goto(`${app.url}/projects/${project.id}/documents/${doc.id}`);
    await waitForPageReady(page);
    await page.getByRole('button', { name: 'Details' }).click();
    const dialog = page.getByRole('dialog', { name: 'Document details' });
    await dialog.getByRole('textbox', { name: 'Title' }).fill('Design, second draft');

    await awayAndBack(page, 'documents.byId');

    expect(await dialog.getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Design, second draft');
    await dialog.getByRole('button', { name: 'Save details' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api.query('documents.byId', { id: doc.id })).title).toBe('Design, second draft');
  });
});
