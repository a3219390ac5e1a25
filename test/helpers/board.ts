import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForLive } from './dashboard';

/**
 * What the board's browser tests (test/e2e/dashboard-board*.test.ts) share: a
 * dashboard with a member and a viewer invited, projects seeded over the API,
 * and the cards, columns and drags of the board. Each file starts its own:
 *
 *   let app: Dashboard;
 *   beforeAll(async () => { app = await startBoardDashboard(); });
 *   afterAll(async () => { await app?.close(); });
 *   const { api, seedProject, openBoard } = boardKit(() => app);
 */

export const MEMBER = { email: 'max@archon.test', password: 'member pass phrase 42', name: 'Max Member' };
export const VIEWER = { email: 'vera@archon.test', password: 'viewer pass phrase 42', name: 'Vera Viewer' };

export type Task = { id: string; title: string; status: string; version: number; position: number };
export type Seed = { title: string; status?: string; priority?: string; assignee?: string; feature?: string; description?: string };

/** The built server and Chromium, with MEMBER and VIEWER invited and joined. */
export async function startBoardDashboard(): Promise<Dashboard> {
  const app = await startDashboard({ env: { RATE_LIMIT_UPLOAD_PER_MINUTE: '1000' } });
  const owner = await app.signedInPage();
  for (const [person, role] of [
    [MEMBER, 'member'],
    [VIEWER, 'viewer'],
  ] as const) {
    const { token } = await trpcAs(owner.context(), app.url).mutate('users.invite', { email: person.email, role });
    const joined = await fetch(`${app.url}/api/auth/accept-invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ token, name: person.name, password: person.password }),
    });
    expect(joined.status).toBe(201);
  }
  await owner.close();
  return app;
}

/** The helpers that need the running dashboard; `app` is read at each call, as it is set in beforeAll. */
export function boardKit(app: () => Dashboard) {
  const api = (page: Page) => trpcAs(page.context(), app().url);

  async function seedProject(page: Page, title: string, tasks: Seed[], extra: Record<string, unknown> = {}) {
    const project = await api(page).mutate<{ id: string }>('projects.create', { title, ...extra });
    const created: Task[] = [];
    for (const t of tasks) created.push(await api(page).mutate<Task>('tasks.create', { projectId: project.id, ...t }));
    return { id: project.id, tasks: created };
  }

  const serverOrder = async (page: Page, projectId: string, status: string) =>
    ((await api(page).query('tasks.list', { projectId, status, parentId: null, limit: 200 })).items as Task[]).map((t) => t.id);

  async function openBoard(page: Page, projectId: string, query = '') {
    await page.goto(`${app().url}/projects/${projectId}/board${query}`);
    await waitForLive(page);
    await page.getByTestId('board').waitFor();
  }

  async function signedInAs(person: { email: string; password: string }, theme: 'light' | 'dark' = 'light') {
    return app().signedInPage({ email: person.email, password: person.password, theme });
  }

  return { api, seedProject, serverOrder, openBoard, signedInAs };
}

export const card = (page: Page, id: string) => page.locator(`[data-testid=task-card][data-task-id="${id}"]`);
export const column = (page: Page, status: string) => page.getByTestId(`column-list-${status}`);
export const order = (page: Page, status: string) =>
  column(page, status)
    .locator('[data-testid=task-card]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')));
export const liveRegion = (page: Page) => page.locator('[id^="DndLiveRegion"]').first();

const nextFrame = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));

/**
 * A mouse drag as a person makes it: press on the card's lower edge, move a frame at a time (a
 * person's pointer does not jump 300 px between two frames), rest a moment, release over `to`.
 */
export async function mouseDrag(
  page: Page,
  from: Locator,
  to: { x: number; y: number },
  opts: { whileHeld?: () => Promise<void>; steps?: number } = {},
) {
  // Wholly in view first: in a scrolled column the card may be cut off by the column's edge.
  await from.scrollIntoViewIfNeeded();
  const box = (await from.boundingBox())!;
  const start = { x: box.x + box.width / 2, y: box.y + box.height - 14 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 6, start.y + 6, { steps: 2 });
  const steps = opts.steps ?? 16;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(start.x + ((to.x - start.x) * i) / steps, start.y + ((to.y - start.y) * i) / steps);
    await nextFrame(page);
  }
  await page.mouse.move(to.x + 1, to.y + 1);
  await page.waitForTimeout(120);
  await opts.whileHeld?.();
  await page.mouse.up();
}

/** Presses a key during a keyboard drag and waits for dnd-kit to have handled it (two frames). */
export async function dragKey(page: Page, key: string) {
  await page.keyboard.press(key);
  await nextFrame(page);
  await nextFrame(page);
  await page.waitForTimeout(30);
}

/** The point over the upper half of a card (a drop there lands before it) or over the end of a column. */
export async function above(locator: Locator) {
  const b = (await locator.boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + Math.min(12, b.height / 4) };
}
export async function columnEnd(page: Page, status: string) {
  const b = (await column(page, status).boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height - 20 };
}
