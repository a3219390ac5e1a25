import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { above, boardKit, card, column, columnEnd, dragKey, liveRegion, mouseDrag, order, startBoardDashboard } from '../helpers/board';
import { type Dashboard, expectNoSeriousA11yViolations, screenshot, THEMES, waitForLive } from '../helpers/dashboard';

/**
 * Projects and one person on the live kanban board in Chromium against the
 * built server: creating a project and tasks, dragging by mouse and by
 * keyboard (with what a screen reader hears), the order holding after a
 * reload; filters in the URL; axe and screenshots in both themes; a long
 * column rendered in part and still dragged by keyboard. Two people on one
 * board are in dashboard-board-live.test.ts, the editor and the table in
 * dashboard-board-editor.test.ts. Timings are only sanity bounds here (a
 * shared CI machine makes tight ones flake): the measured bars (Lighthouse on
 * 500 tasks, drag frame times, move latency between two browsers) are
 * bench/board.ts's, recorded in docs/benchmarks.md.
 */

let app: Dashboard;
const figures: string[] = [];

beforeAll(async () => {
  app = await startBoardDashboard();
});
afterAll(async () => {
  if (figures.length) console.log(`board figures:\n${figures.map((f) => `  ${f}`).join('\n')}`);
  await app?.close();
});

const { api, seedProject, serverOrder, openBoard } = boardKit(() => app);

describe('projects', () => {
  it('lists projects pinned first with their counts, and creates, edits, pins, searches and deletes them', async () => {
    const page = await app.signedInPage();
    const a = await seedProject(page, 'Billing rewrite', [{ title: 'Draft the schema' }, { title: 'Pick a provider', status: 'doing' }], {
      githubRepo: 'acme/billing',
    });
    await seedProject(page, 'Analytics', [{ title: 'Count the events', status: 'done' }]);
    await page.goto(`${app.url}/projects`);
    const cards = page.getByTestId('project-card');
    await cards.first().waitFor();

    // Create from the dialog; a bad repository is refused under its field.
    await page.getByTestId('new-project').click();
    const form = page.getByTestId('project-form');
    await form.getByLabel('Title').fill('Docs revamp');
    await form.getByLabel('GitHub repository').fill('not a repo');
    await form.getByRole('button', { name: 'Create project' }).click();
    await form.getByText('Must be a GitHub repository URL or owner/repo').waitFor();
    await form.getByLabel('GitHub repository').fill('acme/docs');
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}\/board$/);
    await page.getByTestId('project-heading').getByText('Docs revamp').waitFor();
    await expect(page.getByTestId('project-repo').getAttribute('href')).resolves.toBe('https://github.com/acme/docs');

    // The tabs are links to sibling routes, the current one marked.
    await expect(page.getByTestId('tab-board').getAttribute('aria-current')).resolves.toBe('page');
    await page.getByTestId('tab-table').click();
    await page.waitForURL(/\/table$/);
    await expect(page.getByTestId('tab-table').getAttribute('aria-current')).resolves.toBe('page');

    // Edit and pin from the header.
    await page.getByTestId('project-edit').click();
    await form.getByLabel('Title').fill('Docs revamp 2');
    await form.getByRole('button', { name: 'Save project' }).click();
    await page.getByTestId('project-heading').getByText('Docs revamp 2').waitFor();
    await page.getByTestId('project-pin').click();
    await page.getByTestId('project-heading').getByLabel('Pinned').waitFor();

    await page.goto(`${app.url}/projects`);
    await cards.first().waitFor();
    await expect(cards.first().locator('h2').textContent()).resolves.toContain('Docs revamp 2');
    const billing = page.locator(`[data-testid=project-card][data-project-id="${a.id}"]`);
    await expect(billing.getByTestId('count-todo').locator('dd').textContent()).resolves.toBe('1');
    await expect(billing.getByTestId('count-doing').locator('dd').textContent()).resolves.toBe('1');
    await expect(billing.locator('a[href="https://github.com/acme/billing"]').count()).resolves.toBe(1);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await screenshot(page, 'projects-list', theme);
      await expectNoSeriousA11yViolations(page, `projects list (${theme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Pinning another one moves it first (one pinned project at a time).
    await page.getByRole('button', { name: 'Pin Analytics' }).click();
    await expect.poll(() => cards.first().locator('h2').textContent()).toContain('Analytics');

    // Search, in the URL.
    await page.getByRole('searchbox', { name: /Search projects/ }).fill('billing');
    await expect.poll(() => cards.count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('billing');

    // Delete names what goes.
    await page.getByRole('button', { name: 'Actions for Billing rewrite' }).click();
    await page.getByRole('menuitem', { name: /Delete/ }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByText('Its 2 tasks with their subtasks and history, 0 documents').waitFor();
    await screenshot(page, 'projects-delete-confirm', 'light');
    await confirm.getByRole('button', { name: 'Delete project' }).click();
    await page.getByText('No project matches').waitFor();
    await expect(api(page).query('projects.byId', { id: a.id })).rejects.toThrow(/NOT_FOUND/);
    await page.close();
  });
});

describe('the board', () => {
  it('drags a task to another column and within a column by mouse, adds one in a column, and the order holds after a reload', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Mouse board', [
      { title: 'Alpha' },
      { title: 'Bravo' },
      { title: 'Charlie' },
      { title: 'Delta', status: 'doing' },
      { title: 'Echo', status: 'doing' },
    ]);
    const [alpha, bravo, charlie, delta, echo] = p.tasks.map((t) => t.id) as [string, string, string, string, string];
    await openBoard(page, p.id);
    expect(await order(page, 'todo')).toEqual([alpha, bravo, charlie]);

    // Across: Alpha between Delta and Echo.
    await mouseDrag(page, card(page, alpha), await above(card(page, echo)));
    await expect.poll(() => order(page, 'doing')).toEqual([delta, alpha, echo]);
    expect(await order(page, 'todo')).toEqual([bravo, charlie]);
    await expect.poll(() => serverOrder(page, p.id, 'doing')).toEqual([delta, alpha, echo]);

    // Within: Charlie above Bravo.
    await mouseDrag(page, card(page, charlie), await above(card(page, bravo)));
    await expect.poll(() => order(page, 'todo')).toEqual([charlie, bravo]);
    await expect.poll(() => serverOrder(page, p.id, 'todo')).toEqual([charlie, bravo]);

    // To the end of an empty column.
    await mouseDrag(page, card(page, bravo), await columnEnd(page, 'review'));
    await expect.poll(() => order(page, 'review')).toEqual([bravo]);

    // Quick add in a column.
    await page.getByTestId('add-task-done').click();
    await page.getByTestId('quick-add-done').fill('Foxtrot');
    await page.keyboard.press('Enter');
    await column(page, 'done').getByText('Foxtrot').waitFor();
    await page.keyboard.press('Escape');

    await page.reload();
    await waitForLive(page);
    await card(page, alpha).waitFor();
    expect(await order(page, 'todo')).toEqual([charlie]);
    expect(await order(page, 'doing')).toEqual([delta, alpha, echo]);
    expect(await order(page, 'review')).toEqual([bravo]);
    expect(await column(page, 'done').getByTestId('card-title').allTextContents()).toEqual(['Foxtrot']);
    await page.close();
  });

  it('filters by text, assignee, priority and feature and shows archived tasks, all held in the URL; looks right in both themes', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(
      page,
      'Docs revamp',
      [
        { title: 'Outline the new structure', status: 'doing', assignee: 'Coding Agent', priority: 'high', feature: 'structure' },
        { title: 'Write the getting started guide', assignee: 'User', feature: 'guides', description: 'For people new to it.' },
        { title: 'Migrate the API reference', assignee: 'Archon', priority: 'critical' },
        { title: 'Check every code sample still runs against the current release', assignee: 'Archon', priority: 'low', feature: 'samples' },
        { title: 'Review the navigation', status: 'review', assignee: 'Dana', feature: 'guides' },
        { title: 'Set up the preview deploys', status: 'done', priority: 'low' },
        { title: 'Port the old blog', status: 'todo', assignee: 'Dana' },
      ],
      { githubRepo: 'acme/docs', description: 'The docs site, rebuilt.' },
    );
    const [outline, guide, migrate, samples, review, deploys, blog] = p.tasks.map((t) => t.id) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    await api(page).mutate('tasks.create', { projectId: p.id, parentId: outline, title: 'List the sections' });
    await api(page).mutate('tasks.create', { projectId: p.id, parentId: outline, title: 'Agree on names', status: 'done' });
    await api(page).mutate('tasks.archive', { id: blog, archivedBy: 'Owner' });
    await openBoard(page, p.id);
    await card(page, outline).getByTestId('card-subtasks').waitFor();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await screenshot(page, 'board', theme);
      await expectNoSeriousA11yViolations(page, `board (${theme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    // A title's end is not hidden under the card's menu while the card is not hovered.
    const titleEnd = await card(page, deploys)
      .getByTestId('card-title')
      .evaluate((a) => {
        const range = document.createRange();
        range.selectNodeContents(a);
        const last = [...range.getClientRects()].at(-1)!;
        // Whatever lies over the title there must be invisible (the menu shows on hover).
        const opacity = (el: Element | null): number => (el ? Number(getComputedStyle(el).opacity) * opacity(el.parentElement) : 1);
        const stack = document.elementsFromPoint(last.right - 2, last.top + last.height / 2);
        return stack.slice(0, stack.indexOf(a)).every((el) => opacity(el) === 0) && stack.includes(a);
      });
    expect(titleEnd, 'the end of a title is visible').toBe(true);

    const shown = async () =>
      (await page.locator('[data-testid=task-card]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')))).sort();
    const param = (name: string) => new URL(page.url()).searchParams.get(name);
    const pick = async (filter: string, option: string) => {
      await page.getByTestId(filter).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };
    expect(await shown()).toEqual([outline, guide, migrate, samples, review, deploys].sort());

    // Text: title, feature or assignee.
    await page.getByTestId('task-filter-text').fill('guide');
    await expect.poll(shown).toEqual([guide, review].sort());
    await expect.poll(() => param('q')).toBe('guide');
    await page.getByTestId('task-count').getByText('2 of 6 tasks').waitFor();
    // Held across a reload.
    await page.reload();
    await waitForLive(page);
    await expect.poll(shown).toEqual([guide, review].sort());
    expect(await page.getByTestId('task-filter-text').inputValue()).toBe('guide');
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect.poll(() => param('q')).toBeNull();

    // Assignee, then priority on top of it.
    await pick('filter-assignee', 'Archon');
    await expect.poll(shown).toEqual([migrate, samples].sort());
    expect(param('assignee')).toBe('Archon');
    await pick('filter-priority', 'Critical');
    await expect.poll(shown).toEqual([migrate]);
    expect(param('priority')).toBe('critical');
    await screenshot(page, 'board-filtered', 'light');
    await pick('filter-priority', 'High');
    await page.getByText('No task matches the filters').waitFor();
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect.poll(shown).toHaveLength(6);
    expect([param('assignee'), param('priority')]).toEqual([null, null]);

    // Feature, and "No feature".
    await pick('filter-feature', 'guides');
    await expect.poll(shown).toEqual([guide, review].sort());
    expect(param('feature')).toBe('guides');
    await pick('filter-feature', 'No feature');
    await expect.poll(shown).toEqual([migrate, deploys].sort());

    // A link with filters opens the same view, in the table too.
    await page.goto(`${app.url}/projects/${p.id}/table?assignee=Archon&priority=low`);
    await expect
      .poll(() => page.getByTestId('row-title').allTextContents())
      .toEqual(['Check every code sample still runs against the current release']);
    await page.goto(`${app.url}/projects/${p.id}/board`);
    await waitForLive(page);

    // Show archived: the archived task comes back, marked.
    expect(await card(page, blog).count()).toBe(0);
    await page.getByTestId('show-archived').click();
    await card(page, blog).getByText('Archived').waitFor();
    expect(param('archived')).toBe('1');
    await page.reload();
    await card(page, blog).getByText('Archived').waitFor();
    await page.getByTestId('show-archived').click();
    await expect.poll(() => card(page, blog).count()).toBe(0);
    expect(param('archived')).toBeNull();
    await page.close();
  });

  it('moves a card by keyboard alone, saying where it is at every step', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Keyboard board', [{ title: 'Kilo' }, { title: 'Lima' }, { title: 'Mike', status: 'doing' }]);
    const [kilo, lima, mike] = p.tasks.map((t) => t.id) as [string, string, string];
    await openBoard(page, p.id);
    await card(page, kilo).waitFor();
    // Tab reaches the handle; its description says how to move.
    const handle = card(page, kilo).getByRole('button', { name: 'Move “Kilo”' });
    await handle.focus();
    const described = await handle.getAttribute('aria-describedby');
    await expect(page.locator(`[id="${described}"]`).textContent()).resolves.toContain('press Space or Enter');
    const heard: string[] = [];
    const listen = async () => {
      await expect.poll(async () => (await liveRegion(page).textContent()) ?? '').not.toBe(heard.at(-1) ?? '');
      heard.push((await liveRegion(page).textContent()) ?? '');
    };
    await page.keyboard.press('Space');
    await listen();
    await page.keyboard.press('ArrowDown');
    await listen();
    await page.keyboard.press('ArrowRight');
    await listen();
    await page.keyboard.press('Space');
    await listen();
    expect(heard[0]).toMatch(/^(Picked up “Kilo”, in To do, position 1 of 2\.|“Kilo” is over To do, position 1 of 2\.)$/);
    expect(heard[1]).toBe('“Kilo” is over To do, position 2 of 2.');
    expect(heard[2]).toMatch(/^“Kilo” is over Doing, position \d of 2\.$/);
    await expect.poll(() => order(page, 'doing')).toContain(kilo);
    // The place said on the drop is where the card is.
    expect(heard.at(-1)).toBe(`Dropped “Kilo” in Doing, position ${(await order(page, 'doing')).indexOf(kilo) + 1} of 2.`);
    await expect.poll(() => serverOrder(page, p.id, 'doing')).toEqual(await order(page, 'doing'));
    expect(await order(page, 'todo')).toEqual([lima]);
    expect(await order(page, 'doing')).toEqual(expect.arrayContaining([kilo, mike]));
    // Focus is back on the handle, so the next move starts from there.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Move “Kilo”');

    // Escape cancels: the card stays where it was.
    await dragKey(page, 'Space');
    await page.locator('[data-testid=board][data-dragging=true]').waitFor();
    await dragKey(page, 'ArrowLeft');
    await dragKey(page, 'Escape');
    await expect.poll(() => liveRegion(page).textContent()).toContain('cancelled');
    expect(await order(page, 'todo')).toEqual([lima]);

    // The menu moves without dragging (WCAG 2.5.7).
    await card(page, lima).getByTestId('card-menu').click();
    await page.getByTestId('move-to-review').click();
    await expect.poll(() => order(page, 'review')).toEqual([lima]);
    await page.close();
  });
  it('moves the top card of a full column to the next one with a single ArrowRight, and back with ArrowLeft', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Sideways board', [
      { title: 'Oscar' },
      { title: 'Papa' },
      { title: 'Quebec' },
      { title: 'Romeo', status: 'doing' },
    ]);
    const [oscar, papa, quebec, romeo] = p.tasks.map((t) => t.id) as [string, string, string, string];
    await openBoard(page, p.id);
    await card(page, oscar).getByRole('button', { name: 'Move “Oscar”' }).focus();
    await dragKey(page, 'Space');
    await page.locator('[data-testid=board][data-dragging=true]').waitFor();
    await dragKey(page, 'ArrowRight');
    await expect.poll(() => liveRegion(page).textContent()).toMatch(/^“Oscar” is over Doing, position \d of 2\.$/);
    await dragKey(page, 'Space');
    await expect.poll(() => serverOrder(page, p.id, 'doing')).toEqual(expect.arrayContaining([oscar, romeo]));
    expect(await serverOrder(page, p.id, 'todo')).toEqual([papa, quebec]);

    // And back: Left from Doing lands in To do, not on the card beside it in Doing.
    await card(page, oscar).getByRole('button', { name: 'Move “Oscar”' }).focus();
    await dragKey(page, 'Space');
    await page.locator('[data-testid=board][data-dragging=true]').waitFor();
    await dragKey(page, 'ArrowLeft');
    await expect.poll(() => liveRegion(page).textContent()).toMatch(/^“Oscar” is over To do, position \d of 3\.$/);
    await dragKey(page, 'Space');
    await expect.poll(() => serverOrder(page, p.id, 'doing')).toEqual([romeo]);
    await page.close();
  });
});

describe('a long column', () => {
  it('renders only the cards in view, shows the rest as the column scrolls, and still moves them by keyboard and mouse', async () => {
    const page = await app.signedInPage();
    const project = await api(page).mutate<{ id: string }>('projects.create', { title: 'Long column' });
    // One at a time: parallel batches leave sockets idle past the server's keep-alive, and a reused one may be reset.
    for (let i = 1; i <= 150; i++)
      await api(page).mutate('tasks.create', {
        projectId: project.id,
        title: `Card ${String(i).padStart(3, '0')}`,
        priority: ['low', 'medium', 'high'][i % 3],
      });
    await openBoard(page, project.id);
    await expect.poll(() => page.getByTestId('column-count').first().textContent()).toBe('150');
    const server = await serverOrder(page, project.id, 'todo');
    const inDom = await order(page, 'todo');
    figures.push(`a column of 150 tasks: ${inDom.length} cards in the DOM`);
    expect(inDom.length).toBeLessThan(60);
    expect(inDom).toEqual(server.slice(0, inDom.length));

    // Scrolled to the bottom, the last cards are there.
    await column(page, 'todo').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await card(page, server.at(-1)!).waitFor();
    expect(await card(page, server[0]!).count()).toBe(0);

    // One of them dragged by mouse to Doing.
    const last = server.at(-1)!;
    await mouseDrag(page, card(page, last), await columnEnd(page, 'doing'));
    await expect.poll(() => serverOrder(page, project.id, 'doing')).toEqual([last]);

    // Back at the top, the first card moved three places down by keyboard.
    await column(page, 'todo').evaluate((el) => el.scrollTo({ top: 0 }));
    const handle = card(page, server[0]!).getByTestId('drag-handle');
    await handle.focus();
    await dragKey(page, 'Space');
    for (let i = 2; i <= 4; i++) {
      await dragKey(page, 'ArrowDown');
      await expect.poll(() => liveRegion(page).textContent()).toContain(`To do, position ${i} of 149.`);
    }
    await dragKey(page, 'Space');
    await expect.poll(() => liveRegion(page).textContent()).toMatch(/^Dropped “Card \d{3}” in To do, position 4 of 149\.$/);
    const expected = [server[1], server[2], server[3], server[0], server[4]];
    await expect.poll(async () => (await order(page, 'todo')).slice(0, 5)).toEqual(expected);
    await expect.poll(async () => (await serverOrder(page, project.id, 'todo')).slice(0, 5)).toEqual(expected);
    await page.close();
  });
});
