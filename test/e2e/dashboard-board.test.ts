import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, expectNoSeriousA11yViolations, screenshot, startDashboard, THEMES, trpcAs, waitForLive } from '../helpers/dashboard';

/**
 * Projects, the live board, the table and the task editor in Chromium
 * against the built server.
 */

let app: Dashboard;
beforeAll(async () => {
  app = await startDashboard();
});
afterAll(async () => {
  await app?.close();
});

const api = (page: Page) => trpcAs(page.context(), app.url);
type Task = { id: string; title: string; status: string; version: number; position: number };

async function seedProject(page: Page, title: string, tasks: { title: string; status?: string; priority?: string; assignee?: string; feature?: string }[]) {
  const project = await api(page).mutate<{ id: string }>('projects.create', { title, githubRepo: 'acme/docs', description: 'The docs site, rebuilt.' });
  const created: Task[] = [];
  for (const t of tasks) created.push(await api(page).mutate<Task>('tasks.create', { projectId: project.id, ...t }));
  return { id: project.id, tasks: created };
}

describe('the board', () => {
  it('shows the seeded project', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Docs revamp', [
      { title: 'Outline the new structure', status: 'doing', assignee: 'Coding Agent', priority: 'high', feature: 'structure' },
      { title: 'Write the getting started guide', assignee: 'User', feature: 'guides' },
      { title: 'Migrate the API reference', assignee: 'Archon', priority: 'critical' },
      { title: 'Review the navigation', status: 'review', assignee: 'Dana' },
      { title: 'Set up the preview deploys', status: 'done', priority: 'low' },
    ]);
    await api(page).mutate('tasks.create', { projectId: p.id, parentId: p.tasks[0]!.id, title: 'List the sections' });
    await api(page).mutate('tasks.create', { projectId: p.id, parentId: p.tasks[0]!.id, title: 'Agree on names', status: 'done' });
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(`${app.url}/projects`);
      await page.getByTestId('project-card').first().waitFor();
      await screenshot(page, 'projects-list', theme);
      await page.goto(`${app.url}/projects/${p.id}/board`);
      await waitForLive(page);
      await page.getByTestId('task-card').first().waitFor();
      await screenshot(page, 'board', theme);
      await expectNoSeriousA11yViolations(page, `board (${theme})`);
      await page.goto(`${app.url}/projects/${p.id}/table`);
      await page.getByTestId('row-title').first().waitFor();
      await screenshot(page, 'board-table', theme);
      await expectNoSeriousA11yViolations(page, `table (${theme})`);
      await page.goto(`${app.url}/projects/${p.id}/board?task=${p.tasks[0]!.id}`);
      await page.getByTestId('task-editor').waitFor();
      await page.getByTestId('subtask').first().waitFor();
      await screenshot(page, 'board-editor', theme);
      await expectNoSeriousA11yViolations(page, `editor (${theme})`);
    }
    await page.close();
  });
});
