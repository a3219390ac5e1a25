import { randomUUID } from 'node:crypto';
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
    const project = await api.mutate<{ id: string }>('projects.create', { title: 'Refused quick add' });
    await page.goto(`${app.url}/projects/${project.id}/board`);
    await waitForLive(page);
    await page.getByTestId('add-task-todo').click();
    const input = page.getByTestId('quick-add-todo');
    await input.fill('A carefully worded task');
    // The server refuses the task: it is sent for a project that does not exist. (A project deleted meanwhile would
    // do it too, but the board then says the project is gone, quick add and all.)
    await page.route(/\/api\/trpc\/tasks\.create/, (route) =>
      route.continue({ postData: route.request().postData()!.replaceAll(project.id, randomUUID()) }),
    );
    await input.press('Enter');
    await page.getByText('Could not add the task').waitFor();
    await expect.poll(() => input.inputValue()).toBe('A carefully worded task');
  });
});
