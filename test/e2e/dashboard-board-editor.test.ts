import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardKit, card, columnEnd, dragKey, mouseDrag, order, startBoardDashboard, type Task, VIEWER } from '../helpers/board';
import { type Dashboard, expectNoSeriousA11yViolations, screenshot, THEMES, waitForLive } from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * The task editor and the table in Chromium against the built server: the
 * editor with subtasks and links, inline edits and a conflicting one in the
 * table, a viewer, inert XSS payloads, axe and screenshots in both themes;
 * leaving the editor (focus, Escape in an unsaved field, the history).
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startBoardDashboard();
});
afterAll(async () => {
  await app?.close();
});

const { api, seedProject, serverOrder, openBoard, signedInAs } = boardKit(() => app);

describe('the task editor and the table', () => {
  let sourceId = '';
  let codeExampleId = 0;

  beforeAll(async () => {
    const page = await app.signedInPage();
    const md = [
      '# Widget manual',
      '',
      'How the widget press is set up.',
      '',
      '```typescript',
      "import { press } from 'widgets';",
      "const result = press({ size: 12, mode: 'gentle' });",
      'console.log(result.trays);',
      '```',
      '',
    ].join('\n');
    const job = await api(page).mutate('knowledge.upload', {
      title: 'Widget manual',
      files: [{ name: 'widget-manual.md', contentBase64: Buffer.from(md).toString('base64') }],
    });
    await waitFor(async () => ['completed', 'failed'].includes((await api(page).query('jobs.get', { id: job.id })).status), 30_000, 'the upload');
    sourceId = job.sourceId;
    const code = await api(page).query('knowledge.listCodeExamples', { sourceId });
    codeExampleId = code.items[0]?.id;
    expect(codeExampleId).toBeGreaterThan(0);
    await page.close();
  });

  it('edits a task: fields, a Markdown description, subtasks added, checked off and reordered by keyboard, links to knowledge, history, archive and delete', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Editor board', [{ title: 'Write the press guide', feature: 'guides' }, { title: 'Second task' }]);
    const [task, second] = p.tasks as [Task, Task];
    await openBoard(page, p.id);
    await card(page, task.id).getByTestId('card-title').click();
    const editor = page.getByTestId('task-editor');
    await editor.waitFor();
    expect(new URL(page.url()).searchParams.get('task')).toBe(task.id);

    // Title and fields, each saved as it changes and shown on the card.
    await editor.getByTestId('editor-title').fill('Write the widget press guide');
    await editor.getByTestId('editor-title').press('Enter');
    await expect.poll(() => card(page, task.id).getByTestId('card-title').textContent()).toBe('Write the widget press guide');
    await editor.getByTestId('editor-priority').click();
    await page.getByRole('option', { name: 'High' }).click();
    await card(page, task.id).getByText('High').waitFor();
    await editor.getByTestId('editor-assignee').fill('Coding Agent');
    await editor.getByTestId('editor-assignee').press('Enter');
    await expect.poll(() => card(page, task.id).getByTestId('card-assignee').textContent()).toBe('Coding Agent');
    await editor.getByTestId('editor-feature').fill('manuals');
    await editor.getByTestId('editor-feature').press('Tab');
    await card(page, task.id).getByText('manuals').waitFor();

    // Description: CodeMirror, then the preview.
    await editor.getByTestId('edit-description').click();
    const cm = editor.locator('.cm-content');
    await cm.waitFor();
    await expect(cm.getAttribute('aria-label')).resolves.toBe('Description (Markdown)');
    await cm.click();
    // Inserted as one input: typed key by key, Enter in a list would continue it with a marker of its own.
    await page.keyboard.insertText('## Steps\n\n- Set the **size**\n- Press `gently`\n');
    await editor.getByTestId('save-description').click();
    await editor.getByTestId('task-description').locator('h2', { hasText: 'Steps' }).waitFor();
    await editor.getByTestId('task-description').locator('strong', { hasText: 'size' }).waitFor();
    expect((await api(page).query('tasks.byId', { id: task.id })).description).toContain('- Set the **size**');

    // Subtasks: add three, check one off, reorder by keyboard.
    for (const title of ['Measure the trays', 'Photograph the press', 'Proofread']) {
      await editor.getByTestId('new-subtask').fill(title);
      await editor.getByTestId('new-subtask').press('Enter');
      await editor.getByTestId('subtask').filter({ hasText: title }).waitFor();
    }
    await editor.getByRole('checkbox', { name: 'Done: Measure the trays' }).click();
    await expect.poll(() => card(page, task.id).getByTestId('card-subtasks').textContent()).toContain('1/3');
    const subtaskTitles = () => editor.getByTestId('subtask').locator('button:not([aria-label])').allTextContents();
    await expect.poll(subtaskTitles).toEqual(['Photograph the press', 'Proofread', 'Measure the trays']);
    await editor.getByRole('button', { name: 'Reorder “Proofread”' }).focus();
    await dragKey(page, 'Space');
    await expect.poll(() => editor.locator('[id^="DndLiveRegion"]').textContent()).toContain('“Proofread”');
    await dragKey(page, 'ArrowUp');
    await dragKey(page, 'Space');
    await expect.poll(() => editor.locator('[id^="DndLiveRegion"]').textContent()).toContain('Dropped “Proofread” at position 1 of 3');
    await expect.poll(subtaskTitles).toEqual(['Proofread', 'Photograph the press', 'Measure the trays']);
    await page.reload();
    await editor.getByTestId('subtask').first().waitFor();
    await expect.poll(subtaskTitles).toEqual(['Proofread', 'Photograph the press', 'Measure the trays']);

    // Links: a source and a code example, found as you type.
    await editor.getByTestId('link-source').click();
    await page.getByRole('textbox', { name: 'Search sources by title or URL' }).fill('widget');
    await page.getByRole('button', { name: /Widget manual/ }).click();
    await editor.getByTestId('linked-sources').getByText('Widget manual').waitFor();
    await editor.getByTestId('link-code').click();
    await page.getByRole('textbox', { name: 'Search code examples' }).fill('press gentle');
    await page.getByTestId('link-code-results').getByRole('button', { name: /press/ }).first().click();
    await editor.getByTestId('linked-code').getByText("import { press } from 'widgets';", { exact: false }).waitFor();
    const saved = await api(page).query('tasks.byId', { id: task.id });
    expect(saved.sourceIds).toEqual([sourceId]);
    expect(saved.codeExampleIds).toEqual([codeExampleId]);
    await card(page, task.id).getByTestId('card-sources').getByText('Widget manual').waitFor();

    // History, from the task events.
    const history = editor.getByTestId('task-history');
    await history.getByText('Renamed from “Write the press guide” to “Write the widget press guide”').waitFor();
    await history.getByText('Priority High (was Medium)').waitFor();
    await history.getByText('Added a description').waitFor();
    await history.getByText('Checked off').waitFor();
    await history.getByText('Linked 1 source').waitFor();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await screenshot(page, 'board-editor', theme);
      await expectNoSeriousA11yViolations(page, `editor (${theme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await editor.getByTestId('edit-description').click();
    await editor.locator('.cm-content').waitFor();
    // Tab leaves the Markdown editor (no keyboard trap) and changes nothing in it.
    await editor.locator('.cm-content').click();
    const typed = await editor.locator('.cm-content').textContent();
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('.cm-editor'))), { message: 'focus left the editor on Tab' })
      .toBe(false);
    expect(await editor.locator('.cm-content').textContent()).toBe(typed);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await screenshot(page, 'board-editor-markdown', theme);
      await expectNoSeriousA11yViolations(page, `editor with the Markdown editor open (${theme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await editor.getByRole('button', { name: 'Cancel' }).click();

    // Archive from the editor: gone from the board, back with "Show archived".
    await editor.getByTestId('editor-menu').click();
    await page.getByTestId('archive-task').click();
    await expect.poll(() => card(page, task.id).count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('show-archived').click();
    await card(page, task.id).getByText('Archived').waitFor();
    // Its editor keeps its column, as the server does (tasks.update refuses a new status until it is unarchived).
    await card(page, task.id).getByTestId('card-title').click();
    await expect.poll(() => editor.getByTestId('editor-status').isDisabled()).toBe(true);
    await editor.getByText('Archived tasks keep their column; unarchive it to move it.').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => editor.isVisible()).toBe(false);

    // Delete, confirmed, with its subtasks.
    await card(page, second.id).getByTestId('card-title').click();
    await editor.getByTestId('editor-menu').click();
    await page.getByTestId('delete-task').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete task' }).click();
    await expect.poll(() => card(page, second.id).count()).toBe(0);
    // The card hides optimistically, before the server has the delete.
    await expect
      .poll(
        () =>
          api(page)
            .query('tasks.byId', { id: second.id })
            .then(() => 'still there', String),
        { timeout: 15_000 },
      )
      .toMatch(/NOT_FOUND/);
    await page.close();
  });

  it('sorts and edits the table in place; an edit that conflicts shows the server version and can be saved again', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Table board', [
      { title: 'Bake', priority: 'low', assignee: 'User' },
      { title: 'Apply', priority: 'critical', assignee: 'Archon', status: 'doing' },
      { title: 'Cut', priority: 'high', assignee: 'Coding Agent', status: 'review' },
    ]);
    const [bake, apply] = p.tasks as [Task, Task];
    await page.goto(`${app.url}/projects/${p.id}/table`);
    await waitForLive(page);
    const titles = () => page.getByTestId('row-title').allTextContents();
    await expect.poll(titles).toEqual(['Bake', 'Apply', 'Cut']);
    await page.getByRole('button', { name: 'Title' }).click();
    await expect.poll(titles).toEqual(['Apply', 'Bake', 'Cut']);
    await page.getByRole('button', { name: 'Priority' }).click();
    await expect.poll(titles).toEqual(['Apply', 'Cut', 'Bake']);

    const row = (title: string) => page.locator('tr', { has: page.getByTestId('row-title').filter({ hasText: new RegExp(`^${title}$`) }) });
    await row('Bake').getByTestId('cell-status').click();
    await page.getByRole('option', { name: 'Review' }).click();
    await expect.poll(async () => (await api(page).query('tasks.byId', { id: bake.id })).status).toBe('review');
    await row('Bake').getByTestId('cell-assignee').fill('Dana');
    await row('Bake').getByTestId('cell-assignee').press('Enter');
    await expect.poll(async () => (await api(page).query('tasks.byId', { id: bake.id })).assignee).toBe('Dana');
    await row('Bake').getByTestId('cell-feature').fill('kitchen');
    await row('Bake').getByTestId('cell-feature').press('Enter');
    await expect.poll(async () => (await api(page).query('tasks.byId', { id: bake.id })).feature).toBe('kitchen');

    // A conflicting edit: someone else's change to Apply lands just before this one reaches the
    // server, so this one is refused (CONFLICT) and the server's value is shown with a retry.
    await page.route('**/api/trpc/tasks.update*', async (route) => {
      // Another person's edit lands just before this one.
      await api(page).mutate('tasks.update', { id: apply.id, assignee: 'Someone else' });
      await route.continue();
    });
    await row('Apply').getByTestId('cell-assignee').fill('Mine');
    await row('Apply').getByTestId('cell-assignee').press('Enter');
    const notice = page.getByTestId('table-conflict');
    await notice.waitFor();
    await notice.getByText('Someone else', { exact: true }).waitFor();
    await notice.getByText('Mine', { exact: true }).waitFor();
    await screenshot(page, 'board-table-conflict', 'light');
    await page.unroute('**/api/trpc/tasks.update*');
    await notice.getByTestId('conflict-retry').click();
    await expect.poll(async () => (await api(page).query('tasks.byId', { id: apply.id })).assignee).toBe('Mine');
    await expect.poll(() => notice.count()).toBe(0);

    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await screenshot(page, 'board-table', theme);
      await expectNoSeriousA11yViolations(page, `table (${theme})`);
    }
    await page.close();
  });
});

describe('who may do what, and untrusted text', () => {
  it('shows a viewer the board, the table and the editor with no drag, edit or delete', async () => {
    const owner = await app.signedInPage();
    const p = await seedProject(owner, 'Read-only board', [{ title: 'Look but do not touch' }, { title: 'Another', status: 'doing' }]);
    const [task] = p.tasks as [Task];
    await api(owner).mutate('tasks.create', { projectId: p.id, parentId: task.id, title: 'A subtask' });
    const page = await signedInAs(VIEWER);
    await openBoard(page, p.id);
    await card(page, task.id).waitFor();
    expect(await page.getByTestId('drag-handle').count()).toBe(0);
    expect(await page.getByTestId('card-menu').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Add a task|Add task/ }).count()).toBe(0);
    for (const id of ['project-pin', 'project-edit', 'project-delete']) expect(await page.getByTestId(id).count()).toBe(0);
    // A mouse drag does nothing.
    await mouseDrag(page, card(page, task.id), await columnEnd(page, 'done'));
    await page.waitForTimeout(300);
    expect(await order(page, 'todo')).toEqual([task.id]);
    expect(await serverOrder(owner, p.id, 'todo')).toEqual([task.id]);
    // The editor is read-only.
    await card(page, task.id).getByTestId('card-title').click();
    const editor = page.getByTestId('task-editor');
    await editor.getByTestId('editor-title').waitFor();
    expect(await editor.locator('textarea').count()).toBe(0);
    expect(await editor.getByTestId('editor-status').isDisabled()).toBe(true);
    expect(await editor.getByTestId('editor-assignee').isDisabled()).toBe(true);
    expect(await editor.getByTestId('edit-description').count()).toBe(0);
    expect(await editor.getByTestId('editor-menu').count()).toBe(0);
    expect(await editor.getByTestId('new-subtask').count()).toBe(0);
    expect(await editor.getByTestId('link-source').count()).toBe(0);
    expect(await editor.getByRole('checkbox').first().isDisabled()).toBe(true);
    await expectNoSeriousA11yViolations(page, 'editor as a viewer');
    await page.keyboard.press('Escape');
    await page.goto(`${app.url}/projects/${p.id}/table`);
    await page.getByTestId('row-title').first().waitFor();
    expect(await page.getByTestId('cell-assignee').count()).toBe(0);
    expect(await page.getByTestId('cell-status').first().isDisabled()).toBe(true);
    await owner.close();
    await page.close();
  });

  it('renders script and javascript: payloads in a title and a description inert', async () => {
    const page = await app.signedInPage();
    page.on('dialog', (d) => {
      throw new Error(`a dialog opened: ${d.message()}`);
    });
    const title = `<script>window.__xss='title'</script><img src=x onerror="window.__xss='img'"> Payload task`;
    // Paragraphs apart: an HTML block runs to the next blank line, and would swallow the payloads after it.
    const description = [
      '# Payloads <script>window.__xss="heading"</script>',
      '<script>window.__xss = "script"</script>',
      '<img src="x" onerror="window.__xss=\'img\'">',
      "[a script link](javascript:window.__xss='link') and [another](JaVaScRiPt:window.__xss='link2')",
      "![an image](javascript:window.__xss='image')",
      '<a href="javascript:window.__xss=\'raw\'">raw link</a>',
      '<svg onload="window.__xss=\'svg\'"></svg><iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
    ].join('\n\n');
    const p = await seedProject(page, `<img src=x onerror="window.__xss='project'"> Project`, [
      { title, description, feature: '<b onmouseover=alert(1)>f</b>' },
    ]);
    const [task] = p.tasks as [Task];
    await openBoard(page, p.id);
    await card(page, task.id).waitFor();
    expect(await card(page, task.id).getByTestId('card-title').textContent()).toBe(title);
    await card(page, task.id).getByTestId('card-title').click();
    const editor = page.getByTestId('task-editor');
    await editor.getByTestId('task-description').waitFor();
    await editor.getByText('a script link').waitFor();
    await page.goto(`${app.url}/projects/${p.id}/table`);
    await page.getByTestId('row-title').first().waitFor();
    await page.goto(`${app.url}/projects`);
    await page.getByTestId('project-card').first().waitFor();
    await page.goto(`${app.url}/projects/${p.id}/board?task=${task.id}`);
    await editor.getByTestId('task-description').waitFor();
    const active = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: string }).__xss ?? null,
      scripts: [...document.querySelectorAll('main script, [role=dialog] script')].length,
      jsLinks: [...document.querySelectorAll('a[href], img[src], iframe[src]')]
        .map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? '')
        .filter((u) => /^\s*javascript:/i.test(u)),
      handlers: [...document.querySelectorAll('[role=dialog] *, main *')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
      iframes: document.querySelectorAll('iframe').length,
    }));
    expect(active).toEqual({ xss: null, scripts: 0, jsLinks: [], handlers: 0, iframes: 0 });
    await page.close();
  });
});

describe('leaving the task editor', () => {
  const focusedName = (page: import('playwright-core').Page) =>
    page.evaluate(() => {
      const a = document.activeElement;
      return a && a !== document.body ? `${a.tagName.toLowerCase()} ${a.textContent?.trim()}` : 'body';
    });

  it('gives focus back to the card or the row it was opened from, on Escape and on the close button', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Focus board', [{ title: 'Sand the shelf' }, { title: 'Oil the shelf' }]);
    const [sand] = p.tasks as [Task, Task];
    await openBoard(page, p.id);
    const editor = page.getByTestId('task-editor');
    const title = card(page, sand.id).getByTestId('card-title');
    await title.focus();
    const opener = await focusedName(page);
    expect(opener).toContain('Sand the shelf');
    await page.keyboard.press('Enter');
    await editor.waitFor();
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => focusedName(page)).toBe(opener);

    await page.goto(`${app.url}/projects/${p.id}/table`);
    await waitForLive(page);
    const row = page.getByTestId('row-title').filter({ hasText: 'Oil the shelf' });
    await row.focus();
    const rowOpener = await focusedName(page);
    await page.keyboard.press('Enter');
    await editor.waitFor();
    await editor.getByRole('button', { name: 'Close the task' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => focusedName(page)).toBe(rowOpener);
  });

  it('leaves no entry in the history for a task opened and closed: Back then leaves the board instead of reopening it', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'History board', [{ title: 'Wax the floor' }, { title: 'Mop the floor' }]);
    const [wax, mop] = p.tasks as [Task, Task];
    await page.goto(`${app.url}/projects`);
    await page.getByRole('link', { name: 'History board' }).first().click();
    await page.waitForURL(/\/board$/);
    await waitForLive(page);
    const boardUrl = page.url();
    const editor = page.getByTestId('task-editor');

    // Opened and closed twice, by Escape and by the close button.
    await card(page, wax.id).getByTestId('card-title').click();
    await editor.waitFor();
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await card(page, mop.id).getByTestId('card-title').click();
    await editor.waitFor();
    await editor.getByRole('button', { name: 'Close the task' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => page.url()).toBe(boardUrl);

    await page.goBack();
    await page.waitForURL(`${app.url}/projects`);
    expect(await editor.count()).toBe(0);
    // Forward comes back to the board, with no task open.
    await page.goForward();
    await page.waitForURL(boardUrl);
    await card(page, wax.id).waitFor();
    await page.waitForTimeout(300);
    expect(await editor.count()).toBe(0);

    // Back while a task is open still closes it, and the next Back leaves.
    await card(page, wax.id).getByTestId('card-title').click();
    await editor.waitFor();
    await page.goBack();
    await editor.waitFor({ state: 'detached' });
    expect(page.url()).toBe(boardUrl);
  });

  it('keeps a description being written when Escape is pressed in it; a typed subtask is cleared and a changed title put back, without closing', async () => {
    const page = await app.signedInPage();
    const p = await seedProject(page, 'Escape board', [{ title: 'Label the jars' }]);
    const [task] = p.tasks as [Task];
    await openBoard(page, p.id);
    const editor = page.getByTestId('task-editor');
    await card(page, task.id).getByTestId('card-title').click();
    await editor.waitFor();

    await editor.getByTestId('edit-description').click();
    await editor.locator('.cm-content').click();
    await page.keyboard.type('Use the round labels, not the square ones.');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    expect(await editor.isVisible(), 'Escape in the description closed the editor').toBe(true);
    await expect(editor.locator('.cm-content').textContent()).resolves.toContain('Use the round labels');
    await editor.getByTestId('save-description').click();
    await expect
      .poll(async () => (await api(page).query('tasks.byId', { id: task.id })).description)
      .toBe('Use the round labels, not the square ones.');

    // A subtask being typed: Escape clears it and leaves the editor open.
    const subtask = editor.getByTestId('new-subtask');
    await subtask.fill('Buy round labels');
    await subtask.press('Escape');
    await page.waitForTimeout(300);
    expect(await editor.isVisible(), 'Escape in a subtask being typed closed the editor').toBe(true);
    await expect(subtask.inputValue()).resolves.toBe('');

    // The title: Escape puts the typed change back and leaves the editor open; a second one closes it.
    const titleField = editor.getByTestId('editor-title');
    await titleField.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' tomorrow');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    expect(await editor.isVisible(), 'Escape in a changed title closed the editor').toBe(true);
    await expect(titleField.inputValue()).resolves.toBe('Label the jars');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect((await api(page).query('tasks.byId', { id: task.id })).title).toBe('Label the jars');
  });
});
