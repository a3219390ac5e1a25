import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForLive } from '../helpers/dashboard';

/**
 * Regressions from the dashboard review of the board, in Chromium against the
 * built server: a task title typed into a column's quick add, lost when the
 * server refused the task.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard();
});

afterAll(async () => {
  await app?.close();
});

describe('quick add on the board', () => {
  it('gives the typed title back when the server refuses the task', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const project = await api.mutate<{ id: string }>('projects.create', { title: 'Deleted meanwhile' });
    await page.goto(`${app.url}/projects/${project.id}/board`);
    await waitForLive(page);
    await page.getByTestId('add-task-todo').click();
    const input = page.getByTestId('quick-add-todo');
    await input.fill('A carefully worded task');
    // Someone else deletes the project meanwhile: the server refuses the task.
    await api.mutate('projects.delete', { id: project.id });
    await input.press('Enter');
    await page.getByText('Could not add the task').waitFor();
    await expect.poll(() => input.inputValue()).toBe('A carefully worded task');
  });
});
