import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, type Dashboard, screenshot, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * Regressions from the seventh dashboard review of the knowledge pages, in
 * Chromium against the built server.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard({ env: { RATE_LIMIT_UPLOAD_PER_MINUTE: '100000' } });
});

afterAll(async () => {
  await app?.close();
});

async function upload(page: Page, input: { title?: string; sourceId?: string; name: string; text: string }) {
  const api = trpcAs(page.context(), app.url);
  const job = await api.mutate<{ id: string }>('knowledge.upload', {
    files: [{ name: input.name, contentBase64: Buffer.from(input.text).toString('base64') }],
    ...(input.title ? { title: input.title } : {}),
    ...(input.sourceId ? { sourceId: input.sourceId } : {}),
  });
  const done = await waitFor(
    async () => {
      const j = await api.query('jobs.get', { id: job.id });
      return j.finishedAt ? j : null;
    },
    60_000,
    `upload ${input.name}`,
  );
  expect(done.status).toBe('completed');
  return done.sourceId as string;
}

describe('a source settings form', () => {
  it('saves only what was changed in it, not the older title it was opened with after the source was renamed elsewhere', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const sourceId = await upload(page, { title: 'Original title', name: 'widgets.md', text: '# Widgets\n\nWidgets sit on trays.\n' });
    await page.goto(`${app.url}/knowledge/sources/${sourceId}?tab=settings`);
    await waitForPageReady(page);
    const form = page.getByRole('form', { name: 'Source settings' });
    await expect.poll(() => form.getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Original title');

    // Someone adds a tag here, and before saving…
    const tagBox = form.getByRole('textbox', { name: 'Tags' });
    await tagBox.fill('hardware');
    await tagBox.press('Enter');
    await form.getByRole('button', { name: 'Remove tag hardware' }).waitFor();

    // …the source is renamed in another tab, and an upload to it finishes (the page reads the source again).
    await api.mutate('knowledge.updateSource', { id: sourceId, title: 'Renamed elsewhere' });
    await upload(page, { sourceId, name: 'trays.md', text: '# Trays\n\nTrays hold widgets.\n' });
    await expect.poll(() => page.getByTestId('source-heading').textContent(), { timeout: 15_000 }).toBe('Renamed elsewhere');

    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Source saved').waitFor();
    const saved = await api.query<{ title: string; tags: string[] }>('knowledge.source', { id: sourceId });
    expect(saved.tags).toContain('hardware');
    // The tag was the only change made in this form: the rename made elsewhere stays.
    expect(saved.title).toBe('Renamed elsewhere');
    await expect.poll(() => form.getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Renamed elsewhere');
  });
});

describe('deleting a source from the list by keyboard', () => {
  it('leaves focus in the page, not on the document body, once the row is gone', async () => {
    const page = await app.signedInPage();
    const first = await upload(page, { title: 'Aardvark notes', name: 'aardvark.md', text: '# Aardvarks\n\nThey dig.\n' });
    await upload(page, { title: 'Badger notes', name: 'badger.md', text: '# Badgers\n\nThey dig too.\n' });
    await page.goto(`${app.url}/knowledge`);
    await waitForPageReady(page);
    await page.locator(`[data-testid=source-row][data-source-id="${first}"]`).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return !el || el === document.body ? 'body' : `${el.tagName} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40)}`;
      });

    // Cancelling the confirmation returns to the row's menu button.
    const actions = page.getByRole('button', { name: 'Actions for Aardvark notes' });
    await actions.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Delete…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(focused).toBe('BUTTON Actions for Aardvark notes');

    // Confirming removes the row and its button: focus must not fall to the body (Tab would start over from the top).
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Delete…' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete source' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(/Deleted: /).waitFor();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForTimeout(300);
    expect(await focused()).not.toBe('body');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
  });
});

describe('the sources filter box', () => {
  it('keeps every letter typed, also one typed while the list is being filtered by the letters before it', async () => {
    const page = await app.signedInPage();
    for (const t of ['Quokka notes', 'Quince notes', 'Quail notes'])
      await upload(page, { title: t, name: `${t.toLowerCase().replace(/\W+/g, '-')}.md`, text: `# ${t}\n\nSome text.\n` });
    await page.goto(`${app.url}/knowledge`);
    await waitForPageReady(page);
    const box = page.getByRole('searchbox', { name: 'Filter sources by title, URL or summary' });
    // A slow machine (or a long list) takes a moment to show the filtered list; typing goes on meanwhile.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
    await box.click();
    // A pause after each letter just long enough for the filter to apply.
    for (const ch of 'quokka notes') {
      await page.keyboard.type(ch);
      await page.waitForTimeout(262);
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await page.waitForTimeout(1_000);
    expect(await box.inputValue()).toBe('quokka notes');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('quokka notes');
  });
});

describe('the page viewer', () => {
  it('lets the keyboard reach a code block whose long line scrolls sideways (axe: scrollable-region-focusable)', async () => {
    const page = await app.signedInPage({ theme: 'dark' });
    const api = trpcAs(page.context(), app.url);
    const longLine = `const settings = { ${Array.from({ length: 30 }, (_, i) => `option${i}: ${i}`).join(', ')} };`;
    const sourceId = await upload(page, {
      title: 'Wide things',
      name: 'wide.md',
      text: `# Wide things\n\nA long line of code:\n\n\`\`\`ts\n${longLine}\n\`\`\`\n\nAnd a paragraph after it.\n`,
    });
    const pages = await api.query<{ items: { id: string }[] }>('knowledge.listPages', { sourceId, limit: 5, offset: 0 });
    await page.goto(`${app.url}/knowledge/pages/${pages.items[0]!.id}`);
    await waitForPageReady(page);
    const pre = page.getByTestId('page-content').locator('pre').first();
    expect(await pre.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
    // Chromium lets Tab reach a scroller by itself; Safari does not, and axe asks for it to be focusable.
    const report = await checkA11y(page);
    expect(report.serious).toEqual([]);
    await pre.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => pre.evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
    await screenshot(page, 'page-viewer-wide-code', 'dark');
  });
});

describe('the upload form', () => {
  it('does not let a file be taken off the list while the files are being sent (it is sent all the same)', async () => {
    const page = await app.signedInPage();
    // A slow link: the request takes two seconds to leave.
    await page.route('**/api/uploads', async (route) => {
      await new Promise((r) => setTimeout(r, 2_000));
      await route.continue();
    });
    await page.goto(`${app.url}/knowledge?add=upload`);
    const dialog = page.getByTestId('add-knowledge-dialog');
    await dialog.waitFor();
    await dialog
      .getByTestId('dropzone')
      .locator('input[type=file]')
      .setInputFiles([
        { name: 'first.md', mimeType: 'text/markdown', buffer: Buffer.from('# First\n\nThe first file.\n') },
        { name: 'second.md', mimeType: 'text/markdown', buffer: Buffer.from('# Second\n\nThe second file.\n') },
      ]);
    await dialog.getByRole('button', { name: 'Upload 2 files' }).click();
    // While sending, taking one off would only change what the list shows.
    const remove = dialog.getByRole('button', { name: 'Remove second.md' });
    if ((await remove.count()) > 0 && (await remove.isEnabled())) await remove.click();
    // Settled once every file has its outcome (the job's end and the files' read may come a moment apart).
    const status = dialog.getByRole('status').filter({ hasText: /[1-9]\d* files? added/ });
    await status.waitFor({ timeout: 30_000 });
    const said = Number((await status.textContent())!.match(/(\d+) files? added/)![1]);
    expect(await dialog.getByTestId('upload-file').count()).toBe(said);
    expect(said).toBe(2);
  });
});

describe('the crawl form', () => {
  it('says the largest page allowed in KB, the unit of its field, not in bytes', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge?add=crawl`);
    const dialog = page.getByTestId('add-knowledge-dialog');
    await dialog.waitFor();
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill('https://docs.example.com/');
    await dialog.getByText('Advanced options').click();
    const field = dialog.getByLabel('Largest page (KB)');
    await field.fill('60000');
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!.split(' ');
    const error = await page.locator(`[id="${describedBy[0]}"]`).textContent();
    // 60,000 KB is past the 51,200 KB (50 MB) a page may be: said in KB, as typed.
    expect(error).toMatch(/51,?200/);
    expect(error).not.toMatch(/52,?428,?800/);
  });
});

describe('the import form', () => {
  it('drops the "already exists" error once another choice for an existing source is made', async () => {
    const page = await app.signedInPage();
    const sourceId = await upload(page, { title: 'Archived notes', name: 'archived.md', text: '# Archived\n\nNotes to archive.\n' });
    const archive = await (await page.context().request.get(`${app.url}/api/sources/${encodeURIComponent(sourceId)}/export`)).body();
    await page.goto(`${app.url}/knowledge?add=import`);
    const dialog = page.getByTestId('add-knowledge-dialog');
    await dialog.waitFor();
    await dialog.locator('input[name=file]').setInputFiles({ name: 'archived.archon.jsonl.gz', mimeType: 'application/gzip', buffer: archive });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText(/already exists/).waitFor();
    // The message asks for Replace or a copy: once one is chosen, it has been answered.
    await dialog.getByRole('combobox', { name: 'If the source exists' }).click();
    await page.getByRole('option', { name: 'Import a copy' }).click();
    await expect.poll(() => dialog.getByText(/already exists/).count()).toBe(0);
    expect(await dialog.getByRole('combobox', { name: 'If the source exists' }).getAttribute('aria-invalid')).not.toBe('true');
  });
});
